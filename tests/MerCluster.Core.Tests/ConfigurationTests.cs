using System.ComponentModel.DataAnnotations;
using MerCluster.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Core.Tests;

public class ConfigurationTests
{
    public enum FlowMethod { TvL1, Farneback }

    public sealed record FlowSection
    {
        public FlowMethod Method { get; init; } = FlowMethod.TvL1;

        [Range(1, 1000)]
        public int Size { get; init; } = 28;
    }

    public sealed record TrainSection : IValidatableObject
    {
        [Range(1e-8, 1.0)]
        public double LearningRate { get; init; } = 1e-3;

        [Range(1, 10_000)]
        public int Epochs { get; init; } = 10;

        public int WarmupEpochs { get; init; }

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (WarmupEpochs > Epochs)
                yield return new ValidationResult("must not exceed epochs", [nameof(WarmupEpochs)]);
        }
    }

    public sealed record ExperimentOptions
    {
        [Required]
        public string Name { get; init; } = "demo";

        public bool Magnify { get; init; }

        public float Alpha { get; init; } = 10f;

        public string? Note { get; init; }

        public int? Seed { get; init; }

        public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

        public FlowSection Flow { get; init; } = new();

        public FlowSection SmallFlow { get; init; } = new() { Size = 7, Method = FlowMethod.Farneback };

        public TrainSection Train { get; init; } = new();

        public IReadOnlyList<double> Alphas { get; init; } = [];

        public int[] Sizes { get; init; } = [];

        public List<FlowSection> Flows { get; init; } = [];

        public IReadOnlyDictionary<string, int> Counts { get; init; } = new Dictionary<string, int>();

        public YamlNode? Grid { get; init; }
    }

    public sealed record WithRequiredMember
    {
        public required string Database { get; init; }
    }

    private static ExperimentOptions Bind(string yaml)
        => YamlOptions.Bind<ExperimentOptions>(YamlOptions.ParseMapping(yaml, "exp.yaml"), "exp.yaml");

    private static ConfigException Fails(string yaml) => Assert.Throws<ConfigException>(() => Bind(yaml));

    [Fact]
    public void Binds_scalars_nested_records_lists_and_dictionaries_from_snake_case_keys()
    {
        var options = Bind("""
            name: casme
            magnify: true
            alpha: 2.5
            seed: 7
            lease: 90s
            flow:
              method: farneback
              size: 224
            train:
              learning_rate: 0.01
              epochs: 3
            alphas: [0.5, 1e-3]
            sizes: [28, 56]
            flows:
              - size: 5
              - method: tv_l1
            counts: {a: 1, b: 2}
            grid: {alpha: [1, 2]}
            """);
        Assert.Equal("casme", options.Name);
        Assert.True(options.Magnify);
        Assert.Equal(2.5f, options.Alpha);
        Assert.Equal(7, options.Seed);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Lease);
        Assert.Equal(new FlowSection { Method = FlowMethod.Farneback, Size = 224 }, options.Flow);
        Assert.Equal(0.01, options.Train.LearningRate);
        Assert.Equal(3, options.Train.Epochs);
        Assert.Equal([0.5, 1e-3], options.Alphas);
        Assert.Equal([28, 56], options.Sizes);
        Assert.Equal(5, options.Flows[0].Size);
        Assert.Equal(FlowMethod.TvL1, options.Flows[1].Method);
        Assert.Equal(2, options.Counts["b"]);
        Assert.IsType<YamlMappingNode>(options.Grid);
    }

    [Fact]
    public void Keys_left_out_keep_the_record_defaults()
    {
        var options = Bind("train: {epochs: 4}");
        Assert.Equal("demo", options.Name);
        Assert.Equal(1e-3, options.Train.LearningRate);
        Assert.Equal(4, options.Train.Epochs);
        Assert.Equal(28, options.Flow.Size);
        Assert.Null(options.Note);
    }

    [Fact]
    public void A_nested_section_keeps_the_defaults_its_parent_gave_it()
    {
        var options = Bind("small_flow:\n  method: tv_l1\n");
        Assert.Equal(new FlowSection { Size = 7, Method = FlowMethod.TvL1 }, options.SmallFlow);
        Assert.Equal(new FlowSection { Size = 7, Method = FlowMethod.Farneback }, new ExperimentOptions().SmallFlow);
    }

    [Fact]
    public void An_empty_file_gives_all_defaults()
    {
        Assert.Equal(28, Bind("# nothing but a comment\n").Flow.Size);
    }

    [Fact]
    public void An_unknown_key_names_the_file_the_dotted_key_and_its_line()
    {
        var error = Fails("name: x\ntrain:\n  epochs: 3\n  learnig_rate: 0.1\n");
        Assert.Equal("exp.yaml", error.SourceFile);
        Assert.Equal("train.learnig_rate", error.KeyPath);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("exp.yaml:4: train.learnig_rate: unknown key", error.Message);
        Assert.Contains("learning_rate", error.Message);
    }

    [Theory]
    [InlineData("train:\n  epochs: ten\n", "train.epochs", 2)]
    [InlineData("train:\n  epochs: 1.5\n", "train.epochs", 2)]
    [InlineData("train:\n  epochs: \"10\"\n", "train.epochs", 2)]
    [InlineData("magnify: yes\n", "magnify", 1)]
    [InlineData("alpha: [1]\n", "alpha", 1)]
    [InlineData("flow: 3\n", "flow", 1)]
    [InlineData("\nflow:\n  method: lucas_kanade\n", "flow.method", 3)]
    [InlineData("sizes: [1, x]\n", "sizes[1]", 1)]
    [InlineData("lease: soon\n", "lease", 1)]
    [InlineData("name: ~\n", "name", 1)]
    [InlineData("train:\n  epochs: 99999999999\n", "train.epochs", 2)]
    public void A_wrong_type_is_an_error_at_its_key_and_line(string yaml, string key, int line)
    {
        var error = Fails(yaml);
        Assert.Equal(key, error.KeyPath);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void An_out_of_range_value_names_the_key_the_range_and_the_value()
    {
        var error = Fails("name: a\ntrain:\n  learning_rate: 5\n");
        Assert.Equal("train.learning_rate", error.KeyPath);
        Assert.Equal(3, error.Line);
        Assert.Contains("learning_rate", error.Problem);
        Assert.Contains("'5'", error.Problem);
    }

    [Fact]
    public void Object_level_validation_points_at_the_member_it_names()
    {
        var error = Fails("train:\n  epochs: 2\n  warmup_epochs: 5\n");
        Assert.Equal("train.warmup_epochs", error.KeyPath);
        Assert.Equal(3, error.Line);
        Assert.Contains("must not exceed epochs", error.Message);
    }

    [Fact]
    public void A_required_value_that_is_empty_is_an_error()
    {
        Assert.Equal("name", Fails("name: ''\n").KeyPath);
    }

    [Fact]
    public void A_missing_required_member_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() =>
            YamlOptions.Bind<WithRequiredMember>(YamlOptions.ParseMapping("other: 1", "r.yaml"), "r.yaml"));
        Assert.Contains("other", error.KeyPath);
        var missing = Assert.Throws<ConfigException>(() =>
            YamlOptions.Bind<WithRequiredMember>(YamlOptions.ParseMapping("{}", "r.yaml"), "r.yaml"));
        Assert.Equal("database", missing.KeyPath);
        Assert.Equal("casme2", YamlOptions.Bind<WithRequiredMember>(YamlOptions.ParseMapping("database: casme2", "r.yaml"), "r.yaml").Database);
    }

    [Fact]
    public void Nullable_properties_accept_null()
    {
        var options = Bind("note: ~\nseed: null\n");
        Assert.Null(options.Note);
        Assert.Null(options.Seed);
    }

    [Fact]
    public void A_section_bound_alone_reports_its_full_key_path()
    {
        var root = YamlOptions.ParseMapping("train:\n  epochs: 0\n", "t.yaml");
        var section = (YamlMappingNode)root.Children[new YamlScalarNode("train")];
        var error = Assert.Throws<ConfigException>(() => YamlOptions.Bind<TrainSection>(section, "t.yaml", "train"));
        Assert.Equal("train.epochs", error.KeyPath);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Broken_yaml_syntax_names_the_file_and_line()
    {
        var error = Assert.Throws<ConfigException>(() => YamlOptions.ParseMapping("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml"));
        Assert.Equal("bad.yaml", error.SourceFile);
        Assert.True(error.Line >= 2);
    }

    [Fact]
    public void A_document_that_is_not_a_mapping_is_an_error()
    {
        Assert.Throws<ConfigException>(() => YamlOptions.ParseMapping("- 1\n- 2\n", "list.yaml"));
    }

    [Fact]
    public void A_duplicate_key_is_an_error()
    {
        var error = Assert.Throws<ConfigException>(() => Bind("alpha: 1\nalpha: 2\n"));
        Assert.Equal("exp.yaml", error.SourceFile);
    }

    [Fact]
    public void Load_reads_a_file_and_names_it_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mer-config-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, "flow:\n  size: 0\n");
            var error = Assert.Throws<ConfigException>(() => YamlOptions.Load<ExperimentOptions>(path));
            Assert.Equal(path, error.SourceFile);
            Assert.StartsWith($"{path}:2: flow.size:", error.Message);
            File.WriteAllText(path, "flow:\n  size: 56\n");
            Assert.Equal(56, YamlOptions.Load<ExperimentOptions>(path).Flow.Size);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var error = Assert.Throws<ConfigException>(() => YamlOptions.Load<ExperimentOptions>("/nonexistent/x.yaml"));
        Assert.Contains("/nonexistent/x.yaml", error.Message);
    }

    [Theory]
    [InlineData("LearningRate", "learning_rate")]
    [InlineData("TvL1", "tv_l1")]
    [InlineData("EvmAlpha", "evm_alpha")]
    [InlineData("AUCrop", "au_crop")]
    [InlineData("Size", "size")]
    public void Property_names_show_as_snake_case(string name, string key)
    {
        Assert.Equal(key, ConfigKeys.ToSnakeCase(name));
    }
}

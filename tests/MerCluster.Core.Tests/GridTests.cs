using MerCluster.Core.Configuration;
using MerCluster.Core.Grids;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Core.Tests;

public class GridTests
{
    private static Grid ParseGrid(string yaml) => Grid.Parse(YamlOptions.ParseMapping(yaml, "sweep.yaml")["grid"], "sweep.yaml");

    [Fact]
    public void Expansion_is_the_cartesian_product_with_the_last_key_varying_fastest()
    {
        var grid = ParseGrid("""
            grid:
              model.alpha: [0.1, 0.5]
              train.weight_decay: [0.01, 0.05, 1e-4]
            """);

        Assert.Equal(
            ["alpha=0.1,weight_decay=0.01", "alpha=0.1,weight_decay=0.05", "alpha=0.1,weight_decay=1e-4",
             "alpha=0.5,weight_decay=0.01", "alpha=0.5,weight_decay=0.05", "alpha=0.5,weight_decay=1e-4"],
            grid.Trials.Select(t => t.Label));
        Assert.Equal(Enumerable.Range(0, 6), grid.Trials.Select(t => t.Index));
        Assert.Equal([new GridOverride("model.alpha", "0.5"), new GridOverride("train.weight_decay", "0.05")], grid.Trials[4].Overrides);
    }

    [Fact]
    public void Trial_ids_are_distinct_and_do_not_depend_on_key_order_or_on_other_values()
    {
        var grid = ParseGrid("grid:\n  model.alpha: [0.1, 0.5]\n  train.weight_decay: [0.01, 0.05]\n");
        var reordered = ParseGrid("grid:\n  train.weight_decay: [0.05, 0.01, 0.1]\n  model.alpha: [0.5, 0.1]\n");

        Assert.Equal(4, grid.Trials.Select(t => t.Id).Distinct().Count());
        Assert.All(grid.Trials, t => Assert.Matches("^[0-9a-f]{12}$", t.Id));
        foreach (var trial in grid.Trials)
            Assert.Equal(trial.Id, reordered.Trials.Single(r => r.Overrides.ToHashSet().SetEquals(trial.Overrides)).Id);
        Assert.Equal(grid.Trials.Select(t => t.Id), ParseGrid("grid:\n  model.alpha: [0.1, 0.5]\n  train.weight_decay: [0.01, 0.05]\n").Trials.Select(t => t.Id));
    }

    [Fact]
    public void Labels_use_full_keys_where_last_segments_collide_and_an_empty_grid_is_the_base_config()
    {
        var grid = ParseGrid("grid:\n  model.dropout: [0.5]\n  head.dropout: [0.2]\n");
        Assert.Equal("model.dropout=0.5,head.dropout=0.2", grid.Trials.Single().Label);

        var empty = Grid.Parse(null, "sweep.yaml");
        Assert.Equal("base", empty.Trials.Single().Label);
        Assert.Empty(empty.Trials.Single().Overrides);
    }

    [Theory]
    [InlineData("grid:\n  model.alpha: 0.1\n", "sweep.yaml:2: grid.model.alpha", "list of values")]
    [InlineData("grid:\n  model.alpha: []\n", "sweep.yaml:2: grid.model.alpha", "empty")]
    [InlineData("grid:\n  model.alpha: [0.1, [1, 2]]\n", "sweep.yaml:2: grid.model.alpha[1]", "single value")]
    [InlineData("grid:\n  model.alpha: [0.1, 0.1]\n", "sweep.yaml:2: grid.model.alpha[1]", "twice")]
    [InlineData("grid:\n  model..alpha: [0.1]\n", "sweep.yaml:2: grid.model..alpha", "dotted config key")]
    [InlineData("grid:\n  model.alpha: [0.1]\n  model.Alpha: [0.2]\n", "sweep.yaml:3: grid.model.Alpha", "twice")]
    [InlineData("grid: [0.1]\n", "sweep.yaml:1: grid", "mapping")]
    public void A_malformed_grid_is_a_config_error_naming_file_key_and_line(string yaml, string where, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => ParseGrid(yaml));

        Assert.StartsWith(where, e.Message);
        Assert.Contains(problem, e.Message);
    }

    private sealed record ModelOptions
    {
        public double Alpha { get; init; } = 0.5;
        public string Name { get; init; } = "msmmt";
    }

    private sealed record TrainOptions
    {
        public double WeightDecay { get; init; } = 0.05;
        public int Epochs { get; init; } = 50;
    }

    private sealed record ExperimentOptions
    {
        public ModelOptions Model { get; init; } = new();
        public TrainOptions Train { get; init; } = new();
    }

    private const string BaseConfig = """
        model:
          alpha: 0.5
          name: msmmt
        train:
          weight_decay: 0.05
          epochs: 50
        """;

    [Fact]
    public void Applying_a_trial_replaces_the_values_the_binder_then_reads()
    {
        var grid = ParseGrid("grid:\n  model.alpha: [0.1]\n  train.weight-decay: [1e-4]\n  model.name: ['7']\n");
        var config = YamlOptions.ParseMapping(BaseConfig, "msmmt.yaml");

        ConfigOverrides.Apply(config, grid.Trials[0].Overrides, "msmmt.yaml");
        var options = YamlOptions.Bind<ExperimentOptions>(config, "msmmt.yaml");

        Assert.Equal(0.1, options.Model.Alpha);
        Assert.Equal(1e-4, options.Train.WeightDecay);
        Assert.Equal("7", options.Model.Name);
        Assert.Equal(50, options.Train.Epochs);
        Assert.Equal("alpha=0.1,weight-decay=1e-4,name=\"7\"", grid.Trials[0].Label);
    }

    [Fact]
    public void Overriding_a_key_the_base_config_does_not_have_is_an_error_naming_the_key()
    {
        var config = YamlOptions.ParseMapping(BaseConfig, "msmmt.yaml");

        var e = Assert.Throws<ConfigException>(() => ConfigOverrides.Apply(config, [new GridOverride("model.alpah", "0.1")], "msmmt.yaml"));

        Assert.Equal("model.alpah", e.KeyPath);
        Assert.Contains("msmmt.yaml", e.Message);
        Assert.Contains("'alpah'", e.Message);
        Assert.Contains("alpha, name", e.Message);
    }

    [Fact]
    public void Overriding_a_whole_section_or_going_below_a_value_is_an_error_naming_the_key()
    {
        var config = YamlOptions.ParseMapping(BaseConfig, "msmmt.yaml");

        Assert.Equal("train", Assert.Throws<ConfigException>(() => ConfigOverrides.Apply(config, [new GridOverride("train", "1")], "msmmt.yaml")).KeyPath);
        Assert.Equal("model.alpha.x", Assert.Throws<ConfigException>(() => ConfigOverrides.Apply(config, [new GridOverride("model.alpha.x", "1")], "msmmt.yaml")).KeyPath);
        Assert.Equal("0.5", ((YamlScalarNode)((YamlMappingNode)config["model"])["alpha"]).Value);
    }
}

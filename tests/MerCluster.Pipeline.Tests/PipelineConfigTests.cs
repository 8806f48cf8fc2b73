using MerCluster.Core;
using MerCluster.Core.Configuration;

namespace MerCluster.Pipeline.Tests;

public class PipelineConfigTests
{
    public static TheoryData<string> PipelineFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Configs, "pipelines"), "*.yaml").Order())
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(PipelineFiles))]
    public void Every_shipped_pipeline_binds_and_is_named_after_its_file(string name)
    {
        var options = PipelineOptions.Load(name);
        Assert.Equal(name, options.Name);
        Assert.NotEmpty(options.Outputs);
    }

    [Fact]
    public void The_seed_pipelines_ask_for_what_their_models_take()
    {
        Assert.Equal([PipelineOutput.FlowUvs], PipelineOptions.Load("ststnet").Outputs);
        Assert.Equal(28, PipelineOptions.Load("ststnet").FlowUvs.Size);
        Assert.Equal(FlowUvsScale.MinMax, PipelineOptions.Load("ststnet").FlowUvs.Scale);
        Assert.Equal([PipelineOutput.FlowImage], PipelineOptions.Load("mjfn").Outputs);
        Assert.Equal(SmicApex.MaxFlow, PipelineOptions.Load("mjfn").SmicApex);
        var msmmt = PipelineOptions.Load("msmmt");
        Assert.Equal(10, msmmt.Magnification?.Alpha);
        Assert.Contains(PipelineOutput.DynamicImage, msmmt.Outputs);
        Assert.Equal(256, PipelineOptions.Load("mobilevit-svm").ApexGray.Size);
        Assert.Null(PipelineOptions.Load("ststnet").Magnification);
        Assert.All(new[] { "frl-dgt", "frl-dgt-small" }, name => Assert.Superset(
            new HashSet<PipelineOutput> { PipelineOutput.Onset, PipelineOutput.Apex, PipelineOutput.AuBoxes, PipelineOutput.Frames, PipelineOutput.ApexNeighbours }, PipelineOptions.Load(name).Outputs.ToHashSet()));
    }

    [Theory]
    [MemberData(nameof(PipelineFiles))]
    public void Only_mjfn_looks_for_the_smic_apex_and_only_ststnet_min_max_scales_its_flow(string name)
    {
        var options = PipelineOptions.Load(name);
        Assert.Equal(name == "mjfn" ? SmicApex.MaxFlow : SmicApex.Middle, options.SmicApex);
        Assert.Equal(name == "ststnet" ? FlowUvsScale.MinMax : FlowUvsScale.Pixels, options.FlowUvs.Scale);
        // The feature set says so, for the trainer's augmentation.
        Assert.Equal(name == "ststnet" ? new Dictionary<string, float> { ["flow_uvs"] = 255f } : [], options.MinMaxOutputs());
    }

    [Fact]
    public void An_unknown_pipeline_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ConfigException>(() => PipelineOptions.Load("stst"));
        Assert.Contains("ststnet", error.Message);
        Assert.Contains("mjfn", error.Message);
    }

    [Theory]
    [InlineData("name: x\nflow:\n  method: horn_schunck\n", "flow.method", 3)]
    [InlineData("name: x\nflow:\n  tv_l1:\n    scales: 0\n", "flow.tv_l1.scales", 4)]
    [InlineData("name: x\noutputs: [flow_uvs, optical_flow]\n", "outputs[1]", 2)]
    [InlineData("name: x\nflow_uvs:\n  sise: 28\n", "flow_uvs.sise", 3)]
    [InlineData("name: x\nmagnification:\n  alpha: 1000\n", "magnification.alpha", 3)]
    [InlineData("name: x\noutputs: []\n", "outputs", 2)]
    [InlineData("name: x\nsmic_apex: peak\n", "smic_apex", 2)]
    [InlineData("name: x\nflow_uvs:\n  scale: normalised\n", "flow_uvs.scale", 3)]
    public void A_bad_pipeline_file_names_the_file_the_key_and_the_line(string yaml, string key, int line)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.yaml");
        File.WriteAllText(path, yaml);
        var error = Assert.Throws<ConfigException>(() => PipelineOptions.Load(path));
        Assert.Equal(path, error.SourceFile);
        Assert.Equal(key, error.KeyPath);
        Assert.Equal(line, error.Line);
    }
}

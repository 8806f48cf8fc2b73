using MerCluster.Core.Features;
using MerCluster.Datasets.Synthetic;
using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Pipeline;

namespace MerCluster.Orchestration.Tests;

/// <summary>A sweep that names a dataset and a pipeline: the small synthetic composite preprocessed by the real vision pipeline, through the dataset and feature-set grains.</summary>
public sealed class DatasetSweepTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task A_dataset_sweep_preprocesses_its_samples_once_through_its_feature_set_grain_and_folds_over_every_subject()
    {
        var synthetic = _temp.File("synthetic");
        SyntheticDataset.Write(synthetic, new SynthOptions { Scale = SynthScale.Small, Seed = 3, Difficulty = SynthDifficulty.Easy });
        var file = _temp.File("dataset.yaml");
        File.WriteAllText(file, """
            name: dataset-noop
            dataset: {casme2: synthetic/CASME2, samm: synthetic/SAMM, smic: synthetic/SMIC}
            pipeline: quick
            model: {name: noop}
            """);
        var cache = _temp.File("cache");

        var submitted = await Embedded.RunAsync(_temp.SqliteUrl, file, slots: 2, cache);
        var featureSet = Assert.Single(Directory.GetDirectories(Path.Combine(cache, "featuresets")));
        var built = Directory.GetLastWriteTimeUtc(featureSet);
        var again = await Embedded.RunAsync(_temp.SqliteUrl, file, slots: 2, cache);

        Assert.Equal(submitted.Id, again.Id);
        Assert.Equal(built, Directory.GetLastWriteTimeUtc(featureSet));
        Assert.Equal(9, submitted.FoldsPerTrial);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);
        Assert.Contains(featureSet, (await store.FindSweepAsync(submitted.Id))!.Yaml);
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        var predicted = await store.PredictionsAsync(trial.Id);
        Assert.Equal(File.ReadAllLines(Path.Combine(featureSet, "samples.csv")).Length - 1, predicted.Count);
        Assert.Equal(["casme2", "samm", "smic"], predicted.Select(p => p.DatabaseId).Distinct().Order());
        Assert.Single(await store.CacheEntriesAsync());
    }

    [Fact]
    public void A_feature_set_built_by_a_pipeline_that_min_max_scales_its_flow_says_so_and_its_rows_span_that_range()
    {
        var synthetic = _temp.File("synthetic");
        SyntheticDataset.Write(synthetic, new SynthOptions { Scale = SynthScale.Small, Seed = 3, Difficulty = SynthDifficulty.Easy });
        var pipelineFile = _temp.File("quick-min-max.yaml");
        File.WriteAllText(pipelineFile, """
            name: quick-min-max
            outputs: [flow_uvs]
            alignment: {size: 112}
            flow: {method: farneback}
            flow_uvs: {size: 28, scale: min_max}
            """);
        var file = _temp.File("dataset.yaml");
        File.WriteAllText(file, $$"""
            name: min-max
            dataset: {casme2: synthetic/CASME2, samm: synthetic/SAMM, smic: synthetic/SMIC}
            pipeline: {{pipelineFile}}
            model: {name: noop}
            """);
        var definition = SweepDefinition.Load(file);
        var manifest = definition.Options.Dataset!.LoadManifest(definition.ResolvePath);

        var outcome = DatasetFeatures.Ensure(manifest, PipelineOptions.Load(pipelineFile), SiloArtifacts.InFolder(_temp.File("cache")));
        var set = FeatureSet.Read(outcome.Reference);

        Assert.Equal(new Dictionary<string, float> { ["flow_uvs"] = 255f }, set.MinMax);
        var u = set.Inputs["flow_uvs"];
        var plane = 28 * 28;
        for (var i = 0; i < set.Count; i++)
        {
            var row = u.Data.AsSpan(i * 3 * plane, plane).ToArray();
            Assert.Equal(0f, row.Min());
            Assert.Equal(255f, row.Max(), 1e-3f);
        }
    }

    [Fact]
    public void A_dataset_section_with_a_ckplus_root_reads_the_macro_tree_with_its_class_set()
    {
        var macro = _temp.File("macro");
        SyntheticDataset.Write(macro, new SynthOptions { Mode = SynthMode.Macro, Scale = SynthScale.Small, Seed = 3 });
        var file = _temp.File("pretrain.yaml");
        File.WriteAllText(file, """
            name: pretrain
            dataset: {ckplus: macro/CK+, class_set: ckplus-3class}
            pipeline: quick
            model: {name: noop}
            protocol: {name: loso, databases: [ckplus]}
            """);

        var definition = SweepDefinition.Load(file);
        var manifest = definition.Options.Dataset!.LoadManifest(definition.ResolvePath);

        Assert.NotEmpty(manifest.Samples);
        Assert.All(manifest.Samples, s => Assert.StartsWith("ckplus/", s.Subject));
        Assert.All(manifest.Samples, s => Assert.Matches(@"^ckplus/S\d{3}/\d{3}/f\d+$", s.SampleId));
        Assert.Equal(3 * manifest.Samples.Select(s => s.SampleId[..s.SampleId.LastIndexOf('/')]).Distinct().Count(), manifest.Samples.Count);
        Assert.Equal(["negative", "positive", "surprise"], manifest.Samples.Select(s => s.Label).Distinct().Order());
    }

    public void Dispose() => _temp.Dispose();
}

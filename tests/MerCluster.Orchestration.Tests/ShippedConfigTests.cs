using MerCluster.Core;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Pipeline;
using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Clips;
using MerCluster.Training;
using MerCluster.Vision;

namespace MerCluster.Orchestration.Tests;

/// <summary>The configs the repository ships fit together: what a sweep of a model config trains on is what its model takes.</summary>
public sealed class ShippedConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void Every_model_config_names_a_pipeline_whose_outputs_are_exactly_the_inputs_its_model_takes()
    {
        var portrait = Image.Read(RepositoryPaths.AstronautPortrait, ImageColor.Bgr);
        var clip = TranslatedClip.Write(portrait, _temp.File("clip"), frames: 6, pixelsPerFrame: 0.5f, onset: 1, apex: 4);
        using var faces = FaceModel.Load();
        var configs = Directory.GetFiles(Path.Combine(RepositoryPaths.Configs, "models"), "*.yaml").Order(StringComparer.Ordinal).ToList();
        Assert.True(configs.Count >= 11, $"{configs.Count} model configs");

        foreach (var file in configs)
        {
            var config = TrainingConfig.Load(file);
            // MobileViT-SVM's paper config needs the checkpoint of its macro stage; the inputs are the same without it.
            if (config.Model.Settings.GetValueOrDefault("macro_pretraining") == "true")
                config = config with { Model = config.Model with { Settings = new Dictionary<string, string>(config.Model.Settings) { ["macro_pretraining"] = "false", ["unfreeze_every"] = "0" } } };
            Assert.True(config.Pipeline is not null, $"{file}: no pipeline");
            var pipeline = PipelineOptions.Load(config.Pipeline);
            var features = new Preprocessor(pipeline, FeatureCache.OnDisk(_temp.File("cache")), faces).Plan(clip);
            using var trainer = Trainer.Create(config);
            // A model of one input takes a feature set's only input whatever its name (STSTNet's flow is flow_uvs).
            var byName = trainer.Description.Inputs.Count > 1 || pipeline.Outputs.Count > 1;
            var produced = pipeline.Outputs.Select(o => $"{(byName ? o.Key() : "")} {string.Join("x", features.Compute(o).Shape)}").Order();
            var taken = trainer.Description.Inputs.Select(i => $"{(byName ? i.Name : "")} {string.Join("x", i.Shape)}").Order();
            Assert.True(produced.SequenceEqual(taken),
                $"{Path.GetFileName(file)}: pipeline {pipeline.Name} gives [{string.Join(", ", produced)}], model {config.Model.Name} takes [{string.Join(", ", taken)}]");
        }
    }

    public void Dispose() => _temp.Dispose();
}

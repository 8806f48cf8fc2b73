using MerCluster.Core;
using MerCluster.Core.Configuration;

namespace MerCluster.Training;

/// <summary>A model and how to train it: the files in configs/models/ (sections <c>model:</c> and <c>train:</c>).</summary>
public sealed record TrainingConfig
{
    public required ModelOptions Model { get; init; }
    public TrainOptions Train { get; init; } = new();

    /// <summary>The preprocessing whose outputs this config's inputs are: a name under configs/pipelines/ (what a sweep
    /// of this config names as its <c>pipeline</c>).</summary>
    public string? Pipeline { get; init; }

    public static TrainingConfig Load(string path) => YamlOptions.Load<TrainingConfig>(path);

    /// <summary>configs/models/NAME.yaml: the seed's settings for a registered model.</summary>
    public static string PathFor(string model) => Path.Combine(RepositoryPaths.Configs, "models", $"{model}.yaml");

    /// <summary>The seed settings of <paramref name="model"/> when configs/models has them, else its defaults.</summary>
    public static TrainingConfig ForModel(string model) =>
        File.Exists(PathFor(model)) ? Load(PathFor(model)) : new TrainingConfig { Model = new ModelOptions { Name = model } };
}

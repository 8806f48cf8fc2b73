using MerCluster.Training.Torch;
using TorchSharp;

namespace MerCluster.Training;

/// <summary>Facts of the training engine: TorchSharp and its libtorch, the model registry, and this build.</summary>
public static class TrainingCore
{
    public static string Framework => $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)}";

    public static string LibTorch => torch.__version__;

    public static string Version => $"{Framework}, libtorch {LibTorch}";

    /// <summary>The file of the training code this process runs: results can be keyed by its build.</summary>
    public static string AssemblyPath => typeof(TrainingCore).Assembly.Location;

    /// <summary>The model registry: every architecture this build can train.</summary>
    public static IReadOnlyList<ModelInfo> Models() => ModelRegistry.List();
}

using MerCluster.Training.Torch;

namespace MerCluster.Training.Tests;

/// <summary>Helpers of the architecture tests: deterministic inputs and parameter counts.</summary>
internal static class ModelProbe
{
    /// <summary>The parameter count of <paramref name="model"/> built with <paramref name="settings"/>.</summary>
    public static long ParameterCount(string model, IReadOnlyDictionary<string, string> settings)
    {
        using var built = ModelRegistry.Create(model, settings, out _);
        return built.parameters().Sum(p => p.numel());
    }

    /// <summary>Deterministic inputs in [-1, 1]: n samples of the given per-sample shape.</summary>
    public static (float[] Data, long[] Shape) Input(int n, long[] shape, int seed)
    {
        var random = new Random(seed);
        var count = n * shape.Aggregate(1L, (a, b) => a * b);
        return (Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [n, .. shape]);
    }
}

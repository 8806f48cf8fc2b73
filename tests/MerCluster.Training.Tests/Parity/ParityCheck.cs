using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests.Parity;

/// <summary>
/// Checks a TorchSharp model against its C++ version: the same parameter count, and with the C++ weights loaded
/// (exported once as safetensors, names mapped by <c>rename</c> where the C# model uses other names) the same
/// log-probabilities within 1e-4 on fixed inputs, both in eval mode.
/// </summary>
internal static class ParityCheck
{
    public static void Run(string model, IReadOnlyDictionary<string, string> settings, IReadOnlyList<(float[] Data, long[] Shape)> inputs,
        Func<string, string>? rename = null, double tolerance = 1e-4)
    {
        using var port = ModelRegistry.Create(model, settings, out _);
        var weights = Path.Combine(Path.GetTempPath(), $"parity-{model}-{Guid.NewGuid():N}.safetensors");
        NativeReference.Result reference;
        try
        {
            reference = NativeReference.Run(model, settings, inputs, weights, port.Classes);
            LoadInto(port, weights, rename ?? (name => name));
        }
        finally
        {
            File.Delete(weights);
        }
        Assert.Equal(reference.Parameters, port.parameters().Sum(p => p.numel()));

        var expected = reference.Probabilities.Select(p => Math.Log(p)).ToArray();
        float[] actual;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            port.eval();
            var tensors = inputs.Select(i => torch.tensor(i.Data, i.Shape)).ToList();
            actual = nn.functional.log_softmax(port.Forward(tensors).Logits, 1).data<float>().ToArray();
        }
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"{model}: log-probabilities differ by up to {worst:G3} from the C++ model's (tolerance {tolerance:G3})");
    }

    /// <summary>The C# model has as many parameters as the C++ one at these settings (for sizes too large to export, e.g. paper configs).</summary>
    public static long SameParameterCount(string model, IReadOnlyDictionary<string, string> settings)
    {
        using var port = ModelRegistry.Create(model, settings, out _);
        var inputs = port.Inputs.Select(i => (new float[i.Shape.Aggregate(1L, (a, b) => a * b)], (long[])[1, .. i.Shape])).ToList();
        var reference = NativeReference.Run(model, settings, inputs, "-", port.Classes);
        var count = port.parameters().Sum(p => p.numel());
        Assert.Equal(reference.Parameters, count);
        return count;
    }

    /// <summary>Every tensor of the C++ export into <paramref name="model"/>, strictly: a missing, extra or mis-shaped tensor fails.</summary>
    public static void LoadInto(nn.Module model, string safetensors, Func<string, string> rename)
    {
        var loaded = TorchSharp.PyBridge.Safetensors.LoadStateDict(safetensors);
        var renamed = loaded.ToDictionary(kv => rename(kv.Key), kv => kv.Value);
        var own = model.state_dict();
        Assert.Equal(own.Keys.Order(StringComparer.Ordinal), renamed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in renamed)
            Assert.True(own[name].shape.SequenceEqual(tensor.shape), $"tensor '{name}': C# [{string.Join(",", own[name].shape)}], C++ [{string.Join(",", tensor.shape)}]");
        model.load_state_dict(renamed, strict: true);
    }

    /// <summary>Deterministic inputs in [-1, 1]: n samples of the given per-sample shape.</summary>
    public static (float[] Data, long[] Shape) Input(int n, long[] shape, int seed)
    {
        var random = new Random(seed);
        var count = n * shape.Aggregate(1L, (a, b) => a * b);
        return (Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [n, .. shape]);
    }
}

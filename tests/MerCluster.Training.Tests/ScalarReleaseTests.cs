using MerCluster.Training.Torch;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

/// <summary>
/// TorchSharp's temporary Scalars (the 1 inside <c>a + b</c>, the 0.5 of <c>x * 0.5</c>) finalized by a collection on
/// another thread while native code still reads them: with TorchSharp's own release this failed within a second
/// ("Scalar::toFloat: Expected false to be true"); released late by libmer_torchsharp.so it never does.
/// </summary>
public class ScalarReleaseTests
{
    [Fact]
    public async Task Temporary_scalars_survive_collections_and_finalizers_running_beside_the_native_calls()
    {
        using var a = ones(4, 4);
        using var b = ones(4, 4);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            for (var i = 0; i < 200_000; i++)
            {
                using var sum = a + b;
                using var half = sum * 0.5;
                using var less = half - a;
                if (i % 50_000 == 0)
                    Assert.Equal(0.0, less.sum().item<float>(), 6);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }
        Assert.True(ScalarRelease.Active);
        Assert.Equal(TimeSpan.FromSeconds(10), ScalarRelease.Delay);
        // Given-up Scalars wait, and are freed once their delay has passed (bounded memory, not a leak).
        Assert.True(ScalarRelease.Pending > 0);
    }
}

using MerCluster.Artifacts;
using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Pipeline.Tests;

/// <summary>
/// The child process of the multi-process cache tests: `dotnet MerCluster.Pipeline.Tests.dll MODE ...`.
/// compute ROOT LOG BARRIER: says "ready", waits for BARRIER to exist, then asks the cache for <see cref="Key"/>,
/// appending one line to LOG per computation. hold-lock ROOT: takes the key's lock, says "locked" and waits to be killed.
/// </summary>
public static class CacheProbe
{
    public static readonly FeatureKey Key = FeatureKey.For("probe", 1, new { size = 4 }, []);

    public static int Main(string[] args)
    {
        var store = new FileSystemArtifactStore(args[1]);
        switch (args[0])
        {
            case "compute":
                Console.WriteLine("ready");
                while (!File.Exists(args[3]))
                    Thread.Sleep(5);
                var value = new FeatureCache(store).GetOrCompute(Key, () =>
                {
                    File.AppendAllText(args[2], $"{Environment.ProcessId}\n");
                    Thread.Sleep(700);
                    return new NdArray<float>([4], [1, 2, 3, 4]);
                });
                Console.WriteLine($"sum {value.Data.Sum()}");
                return 0;
            case "hold-lock":
                using (store.Lock(new FeatureCache(store).NameOf(Key), CancellationToken.None))
                {
                    Console.WriteLine("locked");
                    Thread.Sleep(Timeout.Infinite);
                }
                return 0;
            default:
                Console.Error.WriteLine($"unknown mode {args[0]}");
                return 2;
        }
    }
}

using System.Diagnostics;
using System.Text.Json.Serialization;

namespace MerCluster.Artifacts;

/// <summary>What <see cref="ArtifactThroughput.Measure"/> found: MB/s (10^6 bytes per second) of whole-artifact writes and verified reads.</summary>
public sealed record ArtifactThroughputResult(
    [property: JsonPropertyName("backend")] string Backend,
    [property: JsonPropertyName("write_mb_s")] double WriteMBPerSecond,
    [property: JsonPropertyName("read_mb_s")] double ReadMBPerSecond);

/// <summary>The storage part of `mer bench artifacts`: how fast a store takes and gives back feature-sized artifacts.</summary>
public static class ArtifactThroughput
{
    public const int DefaultCount = 16;
    public const int DefaultSize = 8 << 20;

    /// <summary>
    /// Creates <paramref name="count"/> artifacts of <paramref name="size"/> random bytes one after another under a fresh
    /// name below <c>bench/</c>, reads each back (verified, into nothing), and deletes them. Times include hashing, as
    /// in real use.
    /// </summary>
    public static ArtifactThroughputResult Measure(IArtifactStore store, int count = DefaultCount, int size = DefaultSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, sizeof(int));
        var content = new byte[size];
        Random.Shared.NextBytes(content);
        var folder = $"bench/throughput-{Guid.NewGuid():N}";
        var names = Enumerable.Range(0, count).Select(i => $"{folder}/{i}").ToList();
        try
        {
            var write = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                // Distinct contents, as distinct features are.
                BitConverter.TryWriteBytes(content, i);
                using var stream = new MemoryStream(content, writable: false);
                if (!store.Create(names[i], stream, cancellationToken))
                    throw new InvalidOperationException($"{store.Locate(names[i])} existed before the benchmark wrote it");
            }
            write.Stop();
            var read = Stopwatch.StartNew();
            foreach (var name in names)
            {
                var state = store.Read(name, Stream.Null, out _, cancellationToken);
                if (state != ArtifactState.Found)
                    throw new InvalidOperationException($"{store.Locate(name)} read back {state} right after it was written");
            }
            read.Stop();
            double megabytes = (double)count * size / 1e6;
            return new ArtifactThroughputResult(ArtifactStores.IsBlob(store.Url) ? "azblob" : "folder",
                megabytes / write.Elapsed.TotalSeconds, megabytes / read.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var name in names)
                store.Delete(name, CancellationToken.None);
        }
    }
}

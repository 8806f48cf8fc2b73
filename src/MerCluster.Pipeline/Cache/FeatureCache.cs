using System.Diagnostics;
using MerCluster.Artifacts;
using MerCluster.Core.Arrays;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// Computes each feature once: a request whose key is stored gets the stored array; otherwise it takes the key's
/// in-process gate and the store's lock (across processes on a folder store), looks again (someone may have just written
/// it), and only then computes, writes and releases. A stored value that fails verification is deleted and recomputed,
/// never returned. Keys of one pipeline form a DAG (a feature's inputs never depend on it), so nested requests cannot
/// deadlock. Values are .npy artifacts named <c>FOLDER/ab/abcd….npy</c> by their key, in any artifact store: a folder
/// (plain files a user can open with numpy) or blob storage, where the write is create-only and a second writer's
/// conflict means the array already exists.
/// </summary>
public sealed class FeatureCache(IArtifactStore store, string folder = "")
{
    private readonly KeyedLocks _gates = new();
    private long _hits, _misses, _corrupt, _bytesRead, _bytesWritten, _storeTicks;

    /// <summary>A cache whose values are files directly under <paramref name="directory"/>.</summary>
    public static FeatureCache OnDisk(string directory) => new(new FileSystemArtifactStore(directory));

    public IArtifactStore Store { get; } = store;

    /// <summary>The artifact name of <paramref name="key"/>'s value.</summary>
    public string NameOf(FeatureKey key) => ArtifactNames.Join(folder, $"{key.Hex[..2]}/{key.Hex}.npy");

    /// <summary>Where <paramref name="key"/>'s value is stored (a file path on a folder store), for messages and previews.</summary>
    public string Locate(FeatureKey key) => Store.Locate(NameOf(key));

    public FeatureCacheStats Stats => new(
        Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _corrupt),
        Interlocked.Read(ref _bytesRead), Interlocked.Read(ref _bytesWritten),
        Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _storeTicks)));

    /// <summary>The value of <paramref name="key"/>, computing it with <paramref name="compute"/> only if no verified copy exists.</summary>
    public NdArray<T> GetOrCompute<T>(FeatureKey key, Func<NdArray<T>> compute, CancellationToken cancellationToken = default)
        where T : unmanaged
    {
        var name = NameOf(key);
        if (Timed(() => Store.ReadBytes(name, out var found) == ArtifactState.Found ? found : null) is { } stored)
            return Hit<T>(key, stored);

        using (_gates.Acquire(name, cancellationToken))
        {
            using var storeLock = Store.Lock(name, cancellationToken);
            var state = ArtifactState.Missing;
            stored = Timed(() =>
            {
                state = Store.ReadBytes(name, out var bytes, cancellationToken);
                return bytes;
            });
            switch (state)
            {
                case ArtifactState.Found:
                    return Hit<T>(key, stored);
                case ArtifactState.Corrupt:
                    Interlocked.Increment(ref _corrupt);
                    FeatureCacheMetrics.Corrupt.Add(1);
                    Timed(() => Store.Delete(name, cancellationToken));
                    break;
            }
            Interlocked.Increment(ref _misses);
            FeatureCacheMetrics.Misses.Add(1);
            var started = Stopwatch.GetTimestamp();
            var value = compute();
            FeatureCacheMetrics.ComputeSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            var buffer = new MemoryStream();
            Npy.Write(buffer, value);
            // Create-only: on a blob store another silo may have written the same value meanwhile, which is as good.
            Timed(() => Store.Create(name, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken));
            Interlocked.Add(ref _bytesWritten, buffer.Length);
            FeatureCacheMetrics.BytesWritten.Add(buffer.Length);
            return value;
        }
    }

    /// <summary>Runs a store operation, adding its time to <see cref="FeatureCacheStats.StoreTime"/> and the store-seconds histogram.</summary>
    private TResult Timed<TResult>(Func<TResult> operation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return operation();
        }
        finally
        {
            var elapsed = Stopwatch.GetTimestamp() - started;
            Interlocked.Add(ref _storeTicks, elapsed);
            FeatureCacheMetrics.StoreSeconds.Record(Stopwatch.GetElapsedTime(0, elapsed).TotalSeconds);
        }
    }

    private void Timed(Action operation) => Timed(() =>
    {
        operation();
        return 0;
    });

    private NdArray<T> Hit<T>(FeatureKey key, byte[] npy) where T : unmanaged
    {
        var value = Npy.Read<T>(new MemoryStream(npy), Locate(key));
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _bytesRead, npy.Length);
        FeatureCacheMetrics.Hits.Add(1);
        FeatureCacheMetrics.BytesRead.Add(npy.Length);
        return value;
    }
}

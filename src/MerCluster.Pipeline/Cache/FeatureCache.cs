using System.Diagnostics;
using MerCluster.Core.Arrays;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// Computes each feature once: a request whose key is stored gets the stored array; otherwise it takes the key's
/// in-process gate and the store's cross-process lock, looks again (someone may have just written it), and only then
/// computes, writes and releases. A stored value that fails verification is deleted and recomputed, never returned.
/// Keys of one pipeline form a DAG (a feature's inputs never depend on it), so nested requests cannot deadlock.
/// </summary>
public sealed class FeatureCache(IFeatureStore store)
{
    private readonly Dictionary<FeatureKey, Gate> _gates = new();
    private long _hits, _misses, _corrupt, _bytesRead, _bytesWritten, _storeTicks;

    public static FeatureCache OnDisk(string directory) => new(new FileSystemFeatureStore(directory));

    public IFeatureStore Store { get; } = store;

    public FeatureCacheStats Stats => new(
        Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _corrupt),
        Interlocked.Read(ref _bytesRead), Interlocked.Read(ref _bytesWritten),
        Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _storeTicks)));

    /// <summary>The value of <paramref name="key"/>, computing it with <paramref name="compute"/> only if no verified copy exists.</summary>
    public NdArray<T> GetOrCompute<T>(FeatureKey key, Func<NdArray<T>> compute, CancellationToken cancellationToken = default)
        where T : unmanaged
    {
        if (Timed(() => Store.TryRead(key, out var found) == StoredFeatureState.Found ? found : null) is { } stored)
            return Hit<T>(key, stored);

        var gate = EnterGate(key, cancellationToken);
        try
        {
            using var fileLock = Store.Lock(key, cancellationToken);
            var state = StoredFeatureState.Missing;
            stored = Timed(() =>
            {
                state = Store.TryRead(key, out var bytes);
                return bytes;
            });
            switch (state)
            {
                case StoredFeatureState.Found:
                    return Hit<T>(key, stored);
                case StoredFeatureState.Corrupt:
                    Interlocked.Increment(ref _corrupt);
                    FeatureCacheMetrics.Corrupt.Add(1);
                    Timed(() => Store.Delete(key));
                    break;
            }
            Interlocked.Increment(ref _misses);
            FeatureCacheMetrics.Misses.Add(1);
            var started = Stopwatch.GetTimestamp();
            var value = compute();
            FeatureCacheMetrics.ComputeSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            var buffer = new MemoryStream();
            Npy.Write(buffer, value);
            Timed(() => Store.Write(key, buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
            Interlocked.Add(ref _bytesWritten, buffer.Length);
            FeatureCacheMetrics.BytesWritten.Add(buffer.Length);
            return value;
        }
        finally
        {
            ExitGate(key, gate);
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
        var value = Npy.Read<T>(new MemoryStream(npy), Store.Locate(key));
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _bytesRead, npy.Length);
        FeatureCacheMetrics.Hits.Add(1);
        FeatureCacheMetrics.BytesRead.Add(npy.Length);
        return value;
    }

    private Gate EnterGate(FeatureKey key, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out gate!))
                _gates[key] = gate = new Gate();
            gate.Users++;
        }
        try
        {
            gate.Semaphore.Wait(cancellationToken);
        }
        catch
        {
            Leave(key, gate);
            throw;
        }
        return gate;
    }

    private void ExitGate(FeatureKey key, Gate gate)
    {
        gate.Semaphore.Release();
        Leave(key, gate);
    }

    private void Leave(FeatureKey key, Gate gate)
    {
        lock (_gates)
            if (--gate.Users == 0)
                _gates.Remove(key);
    }

    /// <summary>One key's in-process turnstile, removed when nobody waits on it.</summary>
    private sealed class Gate
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users;
    }
}

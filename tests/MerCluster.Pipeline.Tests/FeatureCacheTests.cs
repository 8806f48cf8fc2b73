using MerCluster.Artifacts;
using System.Diagnostics.Metrics;
using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Pipeline.Tests;

public class FeatureCacheTests
{
    private static readonly FeatureKey Key = FeatureKey.For("flow", 1, new { method = "tvl1" }, [FeatureKey.OfBytes([1, 2, 3])]);

    private static NdArray<float> Value() => new([2, 3], [1, 2, 3, 4, 5, 6]);

    [Fact]
    public void A_second_request_is_a_hit_and_does_not_compute_again()
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        var computed = 0;
        var first = cache.GetOrCompute(Key, () => { computed++; return Value(); });
        var second = cache.GetOrCompute(Key, () => { computed++; return Value(); });
        Assert.Equal(1, computed);
        Assert.Equal(first.Data, second.Data);
        Assert.Equal(first.Shape, second.Shape);
        var stats = cache.Stats;
        Assert.Equal((1, 1, 0), (stats.Hits, stats.Misses, stats.Corrupt));
        Assert.Equal(stats.BytesWritten, stats.BytesRead);
        Assert.True(stats.BytesWritten > 4 * 6);
        Assert.True(stats.StoreTime > TimeSpan.Zero);
    }

    [Fact]
    public void A_store_that_flushes_to_disk_stores_the_same_files()
    {
        using var dir = new TempDirectory();
        var cache = new FeatureCache(new FileSystemArtifactStore(dir.Path, flushToDisk: true));
        cache.GetOrCompute(Key, Value);
        Assert.Equal(Value().Data, FeatureCache.OnDisk(dir.Path).GetOrCompute<float>(Key, () => throw new InvalidOperationException("recomputed")).Data);
    }

    [Fact]
    public void Another_cache_on_the_same_directory_finds_the_value()
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        cache.GetOrCompute(Key, Value);
        var again = FeatureCache.OnDisk(dir.Path).GetOrCompute<float>(Key, () => throw new InvalidOperationException("recomputed"));
        Assert.Equal(Value().Data, again.Data);
    }

    [Fact]
    public void The_stored_value_is_a_plain_npy_file_with_a_sha256sum_line()
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        cache.GetOrCompute(Key, Value);
        var path = cache.Locate(Key);
        Assert.Equal(Value().Data, Npy.Read<float>(path).Data);
        var line = File.ReadAllText(path + ".sha256");
        Assert.Matches($"^[0-9a-f]{{64}}  {Key.Hex}\\.npy\\n$", line);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("no-checksum")]
    public void A_damaged_value_is_recomputed_never_trusted(string damage)
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        cache.GetOrCompute(Key, Value);
        var path = cache.Locate(Key);
        switch (damage)
        {
            case "flip":
                var bytes = File.ReadAllBytes(path);
                bytes[^3] ^= 0xFF;
                File.WriteAllBytes(path, bytes);
                break;
            case "truncate":
                using (var stream = File.OpenWrite(path))
                    stream.SetLength(stream.Length - 5);
                break;
            case "no-checksum":
                File.Delete(path + ".sha256");
                break;
        }
        var recomputed = 0;
        var value = cache.GetOrCompute(Key, () => { recomputed++; return Value(); });
        Assert.Equal(1, recomputed);
        Assert.Equal(Value().Data, value.Data);
        Assert.Equal(1, cache.Stats.Corrupt);
        Assert.Equal(ArtifactState.Found, cache.Store.ReadBytes(cache.NameOf(Key), out _));
    }

    [Fact]
    public void Many_threads_asking_for_one_key_at_once_compute_it_once()
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        var computed = 0;
        using var start = new Barrier(16);
        var results = new NdArray<float>[16];
        var threads = Enumerable.Range(0, 16).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = cache.GetOrCompute(Key, () =>
            {
                Interlocked.Increment(ref computed);
                Thread.Sleep(200);
                return Value();
            });
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(1, computed);
        Assert.All(results, r => Assert.Equal(Value().Data, r.Data));
        Assert.Equal(15, cache.Stats.Hits);
    }

    [Fact]
    public async Task Different_keys_compute_in_parallel_and_nested_requests_do_not_deadlock()
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        var inner = FeatureKey.For("inner", 1, null, []);
        var outers = Enumerable.Range(0, 4).Select(i => FeatureKey.For("outer", 1, new { i }, [inner])).ToList();
        var innerComputed = 0;
        var tasks = outers.Select(outer => Task.Run(() => cache.GetOrCompute(outer, () =>
        {
            var x = cache.GetOrCompute(inner, () => { Interlocked.Increment(ref innerComputed); Thread.Sleep(50); return Value(); });
            return new NdArray<float>(x.Shape, x.Data.Select(v => v * 2).ToArray());
        }))).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, innerComputed);
        Assert.Equal(5, cache.Stats.Misses);
    }

    [Fact]
    public void Two_processes_asking_at_once_compute_once()
    {
        using var dir = new TempDirectory();
        var log = dir.File("computations.log");
        var barrier = dir.File("go");
        var root = dir.File("cache");
        using var a = ChildProcess.StartProbe("compute", root, log, barrier);
        using var b = ChildProcess.StartProbe("compute", root, log, barrier);
        Assert.Equal("ready", a.ReadLine(TimeSpan.FromSeconds(30)));
        Assert.Equal("ready", b.ReadLine(TimeSpan.FromSeconds(30)));
        File.WriteAllText(barrier, "");
        Assert.Equal("sum 10", a.ReadLine(TimeSpan.FromSeconds(30)));
        Assert.Equal("sum 10", b.ReadLine(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, a.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, b.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Single(File.ReadAllLines(log));
    }

    [Fact]
    public void A_lock_held_by_a_killed_process_is_released()
    {
        using var dir = new TempDirectory();
        var store = new FileSystemArtifactStore(dir.Path);
        var name = new FeatureCache(store).NameOf(CacheProbe.Key);
        using var holder = ChildProcess.StartProbe("hold-lock", dir.Path);
        Assert.Equal("locked", holder.ReadLine(TimeSpan.FromSeconds(30)));
        using (var blocked = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            Assert.ThrowsAny<OperationCanceledException>(() => store.Lock(name, blocked.Token));
        holder.Kill();
        using var released = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var acquired = store.Lock(name, released.Token);
    }

    [Fact]
    public void Hits_misses_and_bytes_are_published_on_the_feature_cache_meter_as_running_totals()
    {
        using var dir = new TempDirectory();
        var cache = FeatureCache.OnDisk(dir.Path);
        using var listener = new MeterListener();
        var totals = new Dictionary<string, long>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FeatureCacheMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals[instrument.Name] = value);
        listener.Start();
        Dictionary<string, long> Observe()
        {
            totals.Clear();
            listener.RecordObservableInstruments();
            return new Dictionary<string, long>(totals);
        }

        // Other tests run in parallel on the same process-wide totals, so this cache's requests are seen as increases of at least ours.
        var before = Observe();
        Assert.Equal(["mer_feature_cache_bytes_read", "mer_feature_cache_bytes_written", "mer_feature_cache_corrupt", "mer_feature_cache_hits", "mer_feature_cache_misses"],
            before.Keys.Order());
        cache.GetOrCompute(FeatureKey.For("metered", 1, null, []), Value);
        cache.GetOrCompute(FeatureKey.For("metered", 1, null, []), Value);
        var after = Observe();
        long Increase(string name) => after[name] - before[name];
        Assert.True(Increase("mer_feature_cache_hits") >= 1);
        Assert.True(Increase("mer_feature_cache_misses") >= 1);
        Assert.True(Increase("mer_feature_cache_bytes_written") >= cache.Stats.BytesWritten);
        Assert.True(Increase("mer_feature_cache_bytes_read") >= cache.Stats.BytesRead);
    }
}

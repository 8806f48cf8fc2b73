using System.Diagnostics.Metrics;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// The cache's instruments on the Meter <c>MerCluster.FeatureCache</c> (exported by whoever listens: the coordinator's
/// /metrics endpoint, OTLP), summed over every <see cref="FeatureCache"/> in the process.
/// </summary>
public static class FeatureCacheMetrics
{
    public const string MeterName = "MerCluster.FeatureCache";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Hits = Meter.CreateCounter<long>("mer_feature_cache_hits", "{feature}", "Requests answered from the store.");
    internal static readonly Counter<long> Misses = Meter.CreateCounter<long>("mer_feature_cache_misses", "{feature}", "Requests that computed their feature.");
    internal static readonly Counter<long> Corrupt = Meter.CreateCounter<long>("mer_feature_cache_corrupt", "{file}", "Stored values that failed verification and were recomputed.");
    internal static readonly Counter<long> BytesRead = Meter.CreateCounter<long>("mer_feature_cache_bytes_read", "By", "Bytes of verified values read.");
    internal static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("mer_feature_cache_bytes_written", "By", "Bytes of values written.");
    internal static readonly Histogram<double> StoreSeconds = Meter.CreateHistogram<double>("mer_feature_cache_store_seconds", "s", "Time of each store read, write or delete.");
    internal static readonly Histogram<double> ComputeSeconds = Meter.CreateHistogram<double>("mer_feature_cache_compute_seconds", "s", "Time spent computing missed features.");
}

/// <summary>One cache's counters at a moment; <paramref name="StoreTime"/> is the time spent reading and writing the store.</summary>
public sealed record FeatureCacheStats(long Hits, long Misses, long Corrupt, long BytesRead, long BytesWritten, TimeSpan StoreTime);

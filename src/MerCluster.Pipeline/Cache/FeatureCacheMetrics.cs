using System.Diagnostics.Metrics;
using MerCluster.Core.Telemetry;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// The cache's instruments on the Meter <c>MerCluster.FeatureCache</c>, summed over every <see cref="FeatureCache"/> in the
/// process (exported by whoever listens: a silo's or the coordinator's /metrics). The counters are running totals, there
/// at 0 before the first request; byte counts are named <c>..._bytes_...</c> already, so their unit is an annotation
/// (<c>{byte}</c>) that adds no second <c>_bytes</c> suffix.
/// </summary>
public static class FeatureCacheMetrics
{
    public const string MeterName = "MerCluster.FeatureCache";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Totals Hits = Totals.Create(Meter, "mer_feature_cache_hits", "{feature}", "Requests answered from the store.");
    internal static readonly Totals Misses = Totals.Create(Meter, "mer_feature_cache_misses", "{feature}", "Requests that computed their feature.");
    internal static readonly Totals Corrupt = Totals.Create(Meter, "mer_feature_cache_corrupt", "{file}", "Stored values that failed verification and were recomputed.");
    internal static readonly Totals BytesRead = Totals.Create(Meter, "mer_feature_cache_bytes_read", "{byte}", "Bytes of verified values read.");
    internal static readonly Totals BytesWritten = Totals.Create(Meter, "mer_feature_cache_bytes_written", "{byte}", "Bytes of values written.");

    /// <summary>A store operation is a file read or write: milliseconds on a local disk, seconds on a busy network share.</summary>
    internal static readonly Histogram<double> StoreSeconds = Meter.CreateHistogram<double>("mer_feature_cache_store_seconds", "s", "Time of each store read, write or delete.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] });

    /// <summary>A missed feature is a face alignment, a flow field or a whole clip's features: tens of milliseconds to minutes.</summary>
    internal static readonly Histogram<double> ComputeSeconds = Meter.CreateHistogram<double>("mer_feature_cache_compute_seconds", "s", "Time spent computing missed features.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800] });
}

/// <summary>One cache's counters at a moment; <paramref name="StoreTime"/> is the time spent reading and writing the store.</summary>
public sealed record FeatureCacheStats(long Hits, long Misses, long Corrupt, long BytesRead, long BytesWritten, TimeSpan StoreTime);

using System.Diagnostics.Metrics;

namespace MerCluster.Core.Telemetry;

/// <summary>
/// Every instrument MerCluster records through, on the Meter <c>MerCluster</c>, and the names of the meters a process
/// exports at /metrics. Silos, trainers and the pipeline record here; the Prometheus exporter turns each instrument
/// into a metric family (unit suffix and <c>_total</c> added by the exporter, so <c>mer_fold_duration</c> in seconds is
/// exported as <c>mer_fold_duration_seconds</c>). Tag keys are the label names, listed in <see cref="Labels"/>.
/// </summary>
public static class MerMetrics
{
    public const string MeterName = "MerCluster";

    /// <summary>The pipeline's feature-cache meter (MerCluster.Pipeline.Cache.FeatureCacheMetrics.MeterName); Core cannot reference the pipeline, the server tests check the two agree.</summary>
    public const string FeatureCacheMeterName = "MerCluster.FeatureCache";

    /// <summary>The process-wide meters every /metrics endpoint exports.</summary>
    public static readonly IReadOnlySet<string> ProcessMeters = new HashSet<string>(StringComparer.Ordinal) { MeterName, FeatureCacheMeterName };

    /// <summary>Fold training takes minutes to hours on a GPU, seconds in the CPU fixtures: buckets span both.</summary>
    public static readonly IReadOnlyList<double> FoldDurationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<double> FoldDuration = Meter.CreateHistogram<double>(
        "mer_fold_duration", "s", "Wall time of fold attempts, by sweep, trial and outcome (done, failed, released).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FoldDurationBuckets });

    public static readonly Counter<long> TrainSamples = Meter.CreateCounter<long>(
        "mer_train_samples", "{sample}", "Training samples processed, by silo and device; rate() gives samples per second.");

    public static readonly Counter<long> TrainEpochs = Meter.CreateCounter<long>(
        "mer_train_epochs", "{epoch}", "Training epochs finished, by silo and device; rate() gives epochs per second.");

    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "mer_errors", "{error}", "Errors by kind (fold_failed, lease_lost, store_unreachable, aggregation_failed, ...).");

    /// <summary>The label names used with these instruments (and with the coordinator's store gauges).</summary>
    public static class Labels
    {
        public const string Sweep = "sweep";
        public const string Trial = "trial";
        public const string Outcome = "outcome";
        public const string Silo = "silo";
        public const string Device = "device";
        public const string Kind = "kind";
    }

    /// <summary>Records one finished fold attempt; <paramref name="outcome"/> is done, failed or released.</summary>
    public static void FoldFinished(string sweep, long trial, string outcome, TimeSpan duration) =>
        FoldDuration.Record(duration.TotalSeconds,
            new KeyValuePair<string, object?>(Labels.Sweep, sweep),
            new KeyValuePair<string, object?>(Labels.Trial, trial.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new KeyValuePair<string, object?>(Labels.Outcome, outcome));

    /// <summary>Records training progress on a silo: <paramref name="samples"/> more samples seen and <paramref name="epochs"/> more epochs finished.</summary>
    public static void Trained(string silo, string device, long samples, long epochs)
    {
        var siloTag = new KeyValuePair<string, object?>(Labels.Silo, silo);
        var deviceTag = new KeyValuePair<string, object?>(Labels.Device, device);
        if (samples > 0)
            TrainSamples.Add(samples, siloTag, deviceTag);
        if (epochs > 0)
            TrainEpochs.Add(epochs, siloTag, deviceTag);
    }

    /// <summary>Counts one error of a kind (a short snake_case word, never a message: labels must stay few).</summary>
    public static void Error(string kind) => Errors.Add(1, new KeyValuePair<string, object?>(Labels.Kind, kind));
}

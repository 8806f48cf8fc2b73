using System.Diagnostics.Metrics;

namespace MerCluster.Core.Telemetry;

/// <summary>
/// The process-wide instruments MerCluster records through, on the Meter <c>MerCluster</c>: silos, trainers and grains
/// record here, whichever host they run in. OpenTelemetry's Prometheus exporter adds the unit suffix and, to counters,
/// <c>_total</c>: <c>mer_fold_duration</c> in seconds is exported as <c>mer_fold_duration_seconds</c>, <c>mer_failovers</c>
/// as <c>mer_failovers_total</c>. Tag keys are the label names, listed in <see cref="Labels"/>.
/// </summary>
public static class MerMetrics
{
    public const string MeterName = "MerCluster";

    /// <summary>Fold training takes minutes to hours on a GPU, seconds in the CPU fixtures: buckets span both.</summary>
    public static readonly IReadOnlyList<double> FoldDurationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<double> FoldDuration = Meter.CreateHistogram<double>(
        "mer_fold_duration", "s", "Wall time of fold attempts, by sweep, trial and outcome (done, failed, cancelled, interrupted).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FoldDurationBuckets });

    public static readonly Totals TrainSamples = Totals.Create(Meter,
        "mer_train_samples", "{sample}", "Training samples processed, by silo and device; rate() gives samples per second.", Labels.Silo, Labels.Device);

    public static readonly Totals TrainEpochs = Totals.Create(Meter,
        "mer_train_epochs", "{epoch}", "Training epochs finished, by silo and device; rate() gives epochs per second.", Labels.Silo, Labels.Device);

    public static readonly Totals Errors = Totals.Create(Meter,
        "mer_errors", "{error}", "Errors by kind (fold_failed, silo_lost, store_unreachable).", Labels.Kind);

    public static readonly Totals Failovers = Totals.Create(Meter,
        "mer_failovers", "{attempt}", "Fold attempts lost with their silo and taken back by the cluster, each counted once by the silo that took it back; each is an interruption, not a failure: the fold resumes elsewhere from its checkpoint, or fails past max_interruptions.");

    static MerMetrics()
    {
        foreach (var kind in ErrorKinds.All)
            Errors.Add(0, kind);
    }

    /// <summary>The label names used with these instruments (and with the coordinator's store gauges).</summary>
    public static class Labels
    {
        public const string Sweep = "sweep";
        public const string Trial = "trial";
        public const string Outcome = "outcome";
        public const string Silo = "silo";
        public const string Device = "device";
        public const string Kind = "kind";
        public const string State = "state";
    }

    /// <summary>The kinds of <c>mer_errors_total</c>: short snake_case words, never messages, so labels stay few. Each is exported from 0.</summary>
    public static class ErrorKinds
    {
        public const string FoldFailed = "fold_failed";
        public const string SiloLost = "silo_lost";
        public const string StoreUnreachable = "store_unreachable";

        public static readonly IReadOnlyList<string> All = [FoldFailed, SiloLost, StoreUnreachable];
    }

    /// <summary>Records one finished fold attempt; <paramref name="outcome"/> is done, failed, cancelled or interrupted.</summary>
    public static void FoldFinished(string sweep, long trial, string outcome, TimeSpan duration) =>
        FoldDuration.Record(duration.TotalSeconds,
            new KeyValuePair<string, object?>(Labels.Sweep, sweep),
            new KeyValuePair<string, object?>(Labels.Trial, trial.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new KeyValuePair<string, object?>(Labels.Outcome, outcome));

    /// <summary>
    /// Records training progress on a silo: <paramref name="samples"/> more samples seen and <paramref name="epochs"/> more
    /// epochs finished. A silo starts each of its devices' series at 0 (both 0), so rate() has a start point.
    /// </summary>
    public static void Trained(string silo, string device, long samples, long epochs)
    {
        TrainSamples.Add(samples, silo, device);
        TrainEpochs.Add(epochs, silo, device);
    }

    /// <summary>Counts one error of a kind from <see cref="ErrorKinds"/>.</summary>
    public static void Error(string kind) => Errors.Add(1, kind);

    /// <summary>Counts one fold attempt lost with its silo and taken back by the cluster.</summary>
    public static void FailedOver() => Failovers.Add(1);
}

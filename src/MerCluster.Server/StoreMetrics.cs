using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Globalization;
using MerCluster.Core.Telemetry;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;

namespace MerCluster.Server;

/// <summary>
/// The coordinator's view of the store as gauges: folds by state per sweep and trial, each trial's pooled UF1/UAR/Acc
/// overall and per database, and the cluster's silos from the Orleans membership table (how many in each status, and
/// how long ago each live one last wrote that it is alive). The store is the truth, so these are read from it at every
/// scrape (<see cref="RefreshAsync"/>) rather than counted in memory, and survive a coordinator restart. The Meter
/// <c>MerCluster.Store</c> comes from the coordinator host's meter factory: its exporter reports this store only.
/// </summary>
public sealed class StoreMetrics
{
    public const string MeterName = "MerCluster.Store";

    /// <summary>The Orleans silo statuses always exported (0 when no silo is in them), so "none Active" is a 0, not an empty answer.</summary>
    public static readonly IReadOnlyList<string> SiloStatuses = ["Joining", "Active", "ShuttingDown", "Stopping", "Dead"];

    private readonly CoordinationStore _store;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public StoreMetrics(CoordinationStore store, IMeterFactory meters)
    {
        _store = store;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("mer_store_up", () => new Measurement<long>(_snapshot.Up ? 1 : 0), "1",
            "1 when the last scrape could read the coordination store, else 0.");
        meter.CreateObservableGauge("mer_folds", () => _snapshot.Folds, "{fold}",
            "Folds by sweep, trial and state (pending, running, done, failed).");
        meter.CreateObservableGauge("mer_sweep_folds", () => _snapshot.SweepFolds, "{fold}",
            "Folds of each sweep by state, summed over its trials.");
        meter.CreateObservableGauge("mer_silos", () => _snapshot.Silos, "{silo}",
            "Silos in the cluster's membership table by Orleans status (Joining, Active, ShuttingDown, Stopping, Dead); dead rows stay an hour.");
        meter.CreateObservableGauge("mer_silo_alive_age", () => _snapshot.SiloAliveAge, "s",
            "Seconds since each silo that is not dead last wrote I-am-alive to the membership table (every 10 s while it runs), by silo and host.");
        meter.CreateObservableGauge("mer_trial_uf1", () => _snapshot.Uf1, "1",
            "Pooled unweighted F1 of a trial's predictions so far, overall and per database (part).");
        meter.CreateObservableGauge("mer_trial_uar", () => _snapshot.Uar, "1",
            "Pooled unweighted average recall of a trial's predictions so far, overall and per database (part).");
        meter.CreateObservableGauge("mer_trial_accuracy", () => _snapshot.Accuracy, "1",
            "Pooled accuracy of a trial's predictions so far, overall and per database (part).");
    }

    /// <summary>
    /// How long a scrape waits for the store: the store's own retry rides out an outage for minutes, and a scrape should
    /// say at once that the store is down instead.
    /// </summary>
    public static readonly TimeSpan StoreWait = TimeSpan.FromSeconds(5);

    /// <summary>Reads the store into the gauges; an unreachable store sets mer_store_up to 0 and counts an error instead of failing the scrape.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(StoreWait);
        try
        {
            _snapshot = await ReadAsync(wait.Token);
        }
        catch (Exception e) when (e is DbException or StoreException or InvalidOperationException or IOException or TimeoutException
                                      || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            MerMetrics.Error(MerMetrics.ErrorKinds.StoreUnreachable);
            _snapshot = Snapshot.Empty;
        }
    }

    private async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var snapshot = new Snapshot { Up = true };
        ReadSilos(snapshot, (await _store.ReadMembershipAsync(ClusterNames.Cluster, cancellationToken: cancellationToken))?.Silos ?? [],
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        foreach (var sweep in await _store.ListSweepsAsync(cancellationToken))
        {
            var progress = await _store.ProgressAsync(sweep.Id, cancellationToken);
            var labels = progress.ToDictionary(p => p.TrialId, p => p.Label);
            foreach (var trial in progress)
                foreach (var (state, count) in States(trial))
                    snapshot.Folds.Add(new Measurement<long>(count, Tag("sweep", sweep.Id), Tag("trial", Id(trial.TrialId)), Tag("label", trial.Label), Tag("state", state)));
            foreach (var state in new[] { FoldStates.Pending, FoldStates.Running, FoldStates.Done, FoldStates.Failed })
                snapshot.SweepFolds.Add(new Measurement<long>(progress.Sum(p => States(p).First(s => s.State == state).Count), Tag("sweep", sweep.Id), Tag("state", state)));
            foreach (var result in await _store.TrialResultsAsync(sweep.Id, cancellationToken))
            {
                KeyValuePair<string, object?>[] tags = [Tag("sweep", sweep.Id), Tag("trial", Id(result.TrialId)), Tag("label", labels.GetValueOrDefault(result.TrialId, "")), Tag("part", result.Part)];
                if (result.Uf1 is { } uf1)
                    snapshot.Uf1.Add(new Measurement<double>(uf1, tags));
                if (result.Uar is { } uar)
                    snapshot.Uar.Add(new Measurement<double>(uar, tags));
                if (result.Acc is { } acc)
                    snapshot.Accuracy.Add(new Measurement<double>(acc, tags));
            }
        }
        return snapshot;
    }

    /// <summary>Silo counts by status and each live silo's I-am-alive age, from membership rows and the time now (Unix ms).</summary>
    private static void ReadSilos(Snapshot snapshot, IReadOnlyList<MembershipSilo> silos, long nowMs)
    {
        foreach (var status in SiloStatuses.Union(silos.Select(s => s.Status)))
            snapshot.Silos.Add(new Measurement<long>(silos.Count(s => s.Status == status), Tag("status", status)));
        foreach (var silo in silos.Where(s => s.Status != "Dead"))
            snapshot.SiloAliveAge.Add(new Measurement<double>(Math.Max(0, nowMs - silo.IAmAliveTime) / 1000.0, Tag("silo", silo.SiloName), Tag("host", silo.HostName)));
    }

    private static IEnumerable<(string State, int Count)> States(TrialProgress trial) =>
    [
        (FoldStates.Pending, trial.Pending),
        (FoldStates.Running, trial.Running),
        (FoldStates.Done, trial.Done),
        (FoldStates.Failed, trial.Failed),
    ];

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new();

        public bool Up { get; init; }
        public List<Measurement<long>> Folds { get; } = [];
        public List<Measurement<long>> Silos { get; } = [];
        public List<Measurement<double>> SiloAliveAge { get; } = [];
        public List<Measurement<long>> SweepFolds { get; } = [];
        public List<Measurement<double>> Uf1 { get; } = [];
        public List<Measurement<double>> Uar { get; } = [];
        public List<Measurement<double>> Accuracy { get; } = [];
    }
}

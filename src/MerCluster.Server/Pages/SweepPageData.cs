using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;

namespace MerCluster.Server.Pages;

/// <summary>
/// What a sweep's page shows, read from the store: the sweep, its report (scores pooled from the stored predictions so
/// far, failed folds), every trial's folds as they stand (for the progress and the per-fold diagnostics), and the mean
/// fold time for the ETA.
/// </summary>
public sealed record SweepPageData(SweepRecord Sweep, SweepReport Report, IReadOnlyList<TrialFolds> Trials, double? MeanFoldSeconds)
{
    public FoldCounts Folds => Count(Trials.SelectMany(t => t.Folds));

    public static async Task<SweepPageData> LoadAsync(CoordinationStore store, SweepRecord sweep, CancellationToken cancellationToken)
    {
        var report = await SweepReportLoader.LoadAsync(store, sweep.Id, cancellationToken: cancellationToken);
        var records = await store.TrialsAsync(sweep.Id, cancellationToken);
        var trials = new List<TrialFolds>();
        foreach (var trial in report.Trials)
        {
            var record = records.Single(r => r.Ordinal == trial.Trial.Index);
            trials.Add(new TrialFolds(record, trial, await store.FoldsAsync(record.Id, cancellationToken)));
        }
        return new SweepPageData(sweep, report, trials, await store.MeanFoldSecondsAsync(sweep.Id, cancellationToken));
    }

    public static FoldCounts Count(IEnumerable<FoldRecord> folds)
    {
        var list = folds.ToList();
        return new FoldCounts(list.Count(f => f.State == FoldStates.Pending), list.Count(f => f.State == FoldStates.Running),
            list.Count(f => f.State == FoldStates.Done), list.Count(f => f.State == FoldStates.Failed));
    }
}

/// <summary>A trial as its page row shows it: the store's record, its report entry and its folds.</summary>
public sealed record TrialFolds(TrialRecord Record, TrialReport Report, IReadOnlyList<FoldRecord> Folds)
{
    public FoldCounts Counts => SweepPageData.Count(Folds);
}

using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Aggregation;

/// <summary>Builds a sweep's report from the store alone: every trial scored from its stored predictions, with its failed and interrupted folds.</summary>
public static class SweepReportLoader
{
    /// <param name="trialId">Only this trial (its grid id), as for one confusion matrix; null loads every trial.</param>
    public static async Task<SweepReport> LoadAsync(CoordinationStore store, string sweepIdOrName, string? trialId = null, CancellationToken cancellationToken = default)
    {
        var sweep = await SweepContext.LoadAsync(store, sweepIdOrName, cancellationToken);
        var trials = new List<TrialReport>();
        foreach (var trial in sweep.Trials)
        {
            if (trialId is not null && sweep.GridTrial(trial.Id).Id != trialId)
                continue;
            var predictions = await store.PredictionsAsync(trial.Id, cancellationToken);
            var folds = await store.FoldsAsync(trial.Id, cancellationToken);
            var failed = folds
                .Where(f => f.State == FoldStates.Failed)
                .Select(f => new FailedFold(f.HeldOutSubject, f.Attempt, f.LastError ?? ""))
                .ToList();
            var score = predictions.Count == 0 ? null : TrialAggregator.Score(sweep.Protocol, predictions);
            trials.Add(new TrialReport(sweep.GridTrial(trial.Id), score, failed)
            {
                Interruptions = folds.Where(f => f.Interruptions > 0).ToDictionary(f => f.HeldOutSubject, f => f.Interruptions),
            });
        }
        return new SweepReport(sweep.Record.Id, sweep.Protocol.Classes, sweep.Protocol.Parts, trials);
    }
}

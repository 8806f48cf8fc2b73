using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Store;

using MerCluster.Orchestration.Cluster;

namespace MerCluster.Orchestration.Grains;

/// <summary>
/// The aggregator of one trial (one grid point), keyed by its trial id: takes each fold's predictions, once per fold
/// and attempt, writes them to the store with the fold's done mark in one transaction, and recomputes the trial's
/// pooled UF1/UAR/Acc overall and per database with the metric code every report uses, so the same predictions always
/// give the same numbers. The scores are kept as the grain's state.
/// </summary>
public interface ITrialGrain : IGrainWithIntegerKey
{
    /// <summary>Records a fold attempt's predictions; false (nothing changed) when that attempt was already recorded or was given up.</summary>
    Task<bool> Report(long foldId, int attempt, IReadOnlyList<SamplePrediction> predictions);

    /// <summary>Recomputes the pooled scores (after a fold failed for good, which can complete the trial).</summary>
    Task Recompute();

    Task<TrialScores> Scores();
}

[GenerateSerializer]
public sealed record TrialScores
{
    [Id(0)] public Dictionary<string, PartScore> Parts { get; set; } = [];
}

[GenerateSerializer, Immutable]
public sealed record PartScore(double? Uf1, double? Uar, double? Acc, int N);

/// <summary>Placed beside its sweep grain (which activates it), so the aggregation of a sweep lives on one silo.</summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class TrialGrain(
    [PersistentState("trial", StoreClusterExtensions.StorageName)] IPersistentState<TrialScores> scores,
    CoordinationStore store, FoldExecutor executor) : Grain, ITrialGrain
{
    public async Task<bool> Report(long foldId, int attempt, IReadOnlyList<SamplePrediction> predictions)
    {
        var trialId = this.GetPrimaryKeyLong();
        var recorded = await store.CompleteAttemptAsync(trialId, foldId, attempt, predictions);
        var fold = await store.FoldAsync(foldId);
        // Not recorded now, yet done with this attempt: an earlier report committed and lost its answer (the store went
        // away in the commit, or the caller timed out waiting through an outage), maybe before its aggregation ran.
        if (recorded || fold is { State: FoldStates.Done } && fold.Attempt == attempt)
            await RecomputeAsync(fold?.HeldOutSubject);
        return recorded;
    }

    public Task Recompute() => RecomputeAsync(null);

    public Task<TrialScores> Scores() => Task.FromResult(scores.State);

    private async Task RecomputeAsync(string? fold)
    {
        var trialId = this.GetPrimaryKeyLong();
        var trial = await store.TrialAsync(trialId);
        var sweep = await executor.Sweeps.GetAsync(trial.SweepId);
        var score = await TrialAggregator.RecomputeAsync(store, sweep, trialId, fold);
        var parts = new Dictionary<string, PartScore> { [TrialAggregator.OverallPart] = Part(score.Overall.Scores) };
        foreach (var (name, part) in score.Parts)
            parts[name] = Part(part.Scores);
        scores.State = new TrialScores { Parts = parts };
        await scores.WriteStateAsync();
    }

    private static PartScore Part(Scores s) => new(s.Uf1, s.Uar, s.Acc, s.N);
}

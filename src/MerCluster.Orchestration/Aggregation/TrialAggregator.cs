using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Aggregation;

/// <summary>
/// The aggregator: recomputes a trial's pooled UF1/UAR/Acc (overall and per database) and its per-fold scores from
/// the stored predictions, and stores them. Pooled metrics are a pure function of the predictions, so running it
/// twice, or after a re-delivered fold, can never double count.
/// </summary>
public static class TrialAggregator
{
    public const string OverallPart = "overall";

    /// <param name="fold">
    /// The fold whose predictions just arrived: only its per-fold score is rewritten (a fold's own score depends on its
    /// own predictions alone). Null rewrites every fold's score. The pooled results are always recomputed in full.
    /// </param>
    public static async Task<ProtocolScore> RecomputeAsync(CoordinationStore store, SweepContext sweep, long trialId, string? fold = null,
        CancellationToken cancellationToken = default)
    {
        var foldIds = (await store.FoldsAsync(trialId, cancellationToken)).ToDictionary(f => f.HeldOutSubject, f => f.Id);
        return await store.RecomputeResultsAsync(trialId, predictions =>
        {
            var score = Score(sweep.Protocol, predictions);
            var results = new List<TrialResult> { Result(trialId, OverallPart, score.Overall.Scores) };
            results.AddRange(score.Parts.Select(part => Result(trialId, part.Key, part.Value.Scores)));
            var foldScores = score.Folds
                .Where(f => f.Scores.N > 0 && foldIds.ContainsKey(f.Fold) && (fold is null || f.Fold == fold))
                .Select(f => new FoldScoreRecord { FoldId = foldIds[f.Fold], Uf1 = f.Scores.Uf1, Uar = f.Scores.Uar, Acc = f.Scores.Acc, N = f.Scores.N })
                .ToList();
            return (results, foldScores, score);
        }, fold is null, cancellationToken);
    }

    /// <summary>The protocol's score of stored predictions.</summary>
    public static ProtocolScore Score(IEvaluationProtocol protocol, IEnumerable<StoredPrediction> predictions) =>
        protocol.Score(predictions.Select(p => new Prediction(p.SampleId, p.Subject, p.DatabaseId, p.Label, p.Predicted)));

    private static TrialResult Result(long trialId, string part, Scores scores) =>
        new() { TrialId = trialId, Part = part, Uf1 = scores.Uf1, Uar = scores.Uar, Acc = scores.Acc, N = scores.N };
}

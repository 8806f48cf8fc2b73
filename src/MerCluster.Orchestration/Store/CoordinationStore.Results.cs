using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>Predictions and the aggregates recomputed from them.</summary>
public sealed partial class CoordinationStore
{
    private const string PredictionColumns = """
        SELECT fold_id AS FoldId, attempt AS Attempt, sample_id AS SampleId, subject AS Subject, database_id AS DatabaseId,
               label AS Label, predicted AS Predicted, probabilities_json AS ProbabilitiesJson
        """;

    /// <summary>Every stored prediction of a trial, in fold then sample order.</summary>
    public async Task<IReadOnlyList<StoredPrediction>> PredictionsAsync(long trialId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<StoredPrediction>(
            $"{PredictionColumns} FROM predictions WHERE trial_id = @trialId ORDER BY fold_id, sample_id", new { trialId }), cancellationToken)).ToList();

    /// <summary>
    /// Recomputes a trial's aggregate in one transaction that holds the trial's row: reads every stored prediction,
    /// replaces the pooled results and per-fold scores with what <paramref name="compute"/> makes of them, and marks the
    /// trial (and its sweep, once every trial is) complete when no fold is pending or running any more. Two silos
    /// finishing folds of one trial at once are serialised, so an older reading never overwrites a newer one.
    /// </summary>
    public Task<T> RecomputeResultsAsync<T>(long trialId,
        Func<IReadOnlyList<StoredPrediction>, (IReadOnlyList<TrialResult> Results, IReadOnlyList<FoldScoreRecord> FoldScores, T Value)> compute,
        bool replaceAllFoldScores, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(Sql("SELECT id FROM trials WHERE id = @trialId {lock_row}"), new { trialId }, transaction);
            var predictions = (await connection.QueryAsync<StoredPrediction>(
                $"{PredictionColumns} FROM predictions WHERE trial_id = @trialId ORDER BY fold_id, sample_id", new { trialId }, transaction)).ToList();
            var (results, foldScores, value) = compute(predictions);
            await connection.ExecuteAsync("DELETE FROM trial_results WHERE trial_id = @trialId", new { trialId }, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO trial_results (trial_id, part, uf1, uar, acc, n) VALUES (@trialId, @Part, @Uf1, @Uar, @Acc, @N)",
                results.Select(r => new { trialId, r.Part, r.Uf1, r.Uar, r.Acc, r.N }), transaction);
            if (replaceAllFoldScores)
                await connection.ExecuteAsync("DELETE FROM fold_scores WHERE fold_id IN (SELECT id FROM folds WHERE trial_id = @trialId)", new { trialId }, transaction);
            await connection.ExecuteAsync("""
                INSERT INTO fold_scores (fold_id, uf1, uar, acc, n) VALUES (@FoldId, @Uf1, @Uar, @Acc, @N)
                ON CONFLICT (fold_id) DO UPDATE SET uf1 = excluded.uf1, uar = excluded.uar, acc = excluded.acc, n = excluded.n
                """, foldScores, transaction);
            await connection.ExecuteAsync("""
                UPDATE trials SET state = 'complete'
                WHERE id = @trialId AND NOT EXISTS (SELECT 1 FROM folds WHERE trial_id = @trialId AND state IN ('pending', 'running'))
                """, new { trialId }, transaction);
            await connection.ExecuteAsync("""
                UPDATE sweeps SET state = 'complete'
                WHERE id = (SELECT sweep_id FROM trials WHERE id = @trialId) AND state = 'running'
                  AND NOT EXISTS (SELECT 1 FROM trials WHERE sweep_id = sweeps.id AND state <> 'complete')
                """, new { trialId }, transaction);
            return value;
        }, cancellationToken);

    public async Task<IReadOnlyList<TrialResult>> TrialResultsAsync(string sweepId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<TrialResult>(
            """
            SELECT r.trial_id AS TrialId, r.part AS Part, r.uf1 AS Uf1, r.uar AS Uar, r.acc AS Acc, r.n AS N
            FROM trial_results r JOIN trials t ON t.id = r.trial_id WHERE t.sweep_id = @sweepId ORDER BY t.ordinal, r.part
            """, new { sweepId }), cancellationToken)).ToList();

    public async Task<IReadOnlyList<FoldScoreRecord>> FoldScoresAsync(long trialId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<FoldScoreRecord>(
            """
            SELECT s.fold_id AS FoldId, s.uf1 AS Uf1, s.uar AS Uar, s.acc AS Acc, s.n AS N
            FROM fold_scores s JOIN folds f ON f.id = s.fold_id WHERE f.trial_id = @trialId ORDER BY s.fold_id
            """, new { trialId }), cancellationToken)).ToList();
}

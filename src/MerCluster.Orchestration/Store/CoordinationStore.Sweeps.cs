using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>A sweep ready to be written: its trials (grid points) and the held-out subjects every trial is folded over.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepPlan(string Id, string Name, string Yaml, string SourceDir, string SamplesJson, int MaxAttempts, int MaxInterruptions, IReadOnlyList<PlannedTrial> Trials, IReadOnlyList<string> Subjects);

[GenerateSerializer, Immutable]
public sealed record PlannedTrial(string Label, string GridJson);

public sealed partial class CoordinationStore
{
    /// <summary>
    /// Writes the sweep with all its trials and pending folds in one transaction. A sweep whose id is already stored
    /// is left as it is (that is how a re-run resumes): returns false then.
    /// </summary>
    public Task<bool> CreateSweepAsync(SweepPlan plan, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var inserted = await connection.ExecuteAsync(Sql("""
                INSERT INTO sweeps (id, name, yaml, source_dir, samples_json, max_attempts, max_interruptions, state, created_at)
                VALUES (@Id, @Name, @Yaml, @SourceDir, @SamplesJson, @MaxAttempts, @MaxInterruptions, 'running', {now})
                ON CONFLICT (id) DO NOTHING
                """), plan, transaction);
            if (inserted == 0)
                return false;
            for (var ordinal = 0; ordinal < plan.Trials.Count; ordinal++)
            {
                var trialId = await connection.ExecuteScalarAsync<long>(
                    "INSERT INTO trials (sweep_id, ordinal, label, grid_json, state) VALUES (@sweep, @ordinal, @label, @grid, 'running') RETURNING id",
                    new { sweep = plan.Id, ordinal, label = plan.Trials[ordinal].Label, grid = plan.Trials[ordinal].GridJson }, transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO folds (trial_id, held_out_subject, state, attempt, failures, interruptions) VALUES (@trialId, @subject, 'pending', 0, 0, 0)",
                    plan.Subjects.Select(subject => new { trialId, subject }), transaction);
            }
            return true;
        }, cancellationToken);

    /// <summary>The sweep with this id, or else the newest sweep with this name.</summary>
    public Task<SweepRecord?> FindSweepAsync(string idOrName, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.QueryFirstOrDefaultAsync<SweepRecord>(
            """
            SELECT id AS Id, name AS Name, yaml AS Yaml, source_dir AS SourceDir, samples_json AS SamplesJson, max_attempts AS MaxAttempts, max_interruptions AS MaxInterruptions, state AS State, created_at AS CreatedAt
            FROM sweeps WHERE id = @idOrName OR name = @idOrName
            ORDER BY CASE WHEN id = @idOrName THEN 0 ELSE 1 END, created_at DESC LIMIT 1
            """, new { idOrName }), cancellationToken);

    public async Task<IReadOnlyList<SweepRecord>> ListSweepsAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<SweepRecord>(
            "SELECT id AS Id, name AS Name, yaml AS Yaml, source_dir AS SourceDir, samples_json AS SamplesJson, max_attempts AS MaxAttempts, max_interruptions AS MaxInterruptions, state AS State, created_at AS CreatedAt FROM sweeps ORDER BY created_at, id"),
            cancellationToken)).ToList();

    public async Task<IReadOnlyList<TrialRecord>> TrialsAsync(string sweepId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<TrialRecord>(
            "SELECT id AS Id, sweep_id AS SweepId, ordinal AS Ordinal, label AS Label, grid_json AS GridJson, state AS State FROM trials WHERE sweep_id = @sweepId ORDER BY ordinal",
            new { sweepId }), cancellationToken)).ToList();

    public Task<TrialRecord> TrialAsync(long trialId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.QuerySingleAsync<TrialRecord>(
            "SELECT id AS Id, sweep_id AS SweepId, ordinal AS Ordinal, label AS Label, grid_json AS GridJson, state AS State FROM trials WHERE id = @trialId",
            new { trialId }), cancellationToken);

    public async Task<IReadOnlyList<FoldRecord>> FoldsAsync(long trialId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<FoldRecord>(
            """
            SELECT id AS Id, trial_id AS TrialId, held_out_subject AS HeldOutSubject, state AS State, attempt AS Attempt,
                   failures AS Failures, interruptions AS Interruptions, silo AS Silo, last_error AS LastError
            FROM folds WHERE trial_id = @trialId ORDER BY id
            """, new { trialId }), cancellationToken)).ToList();

    /// <summary>Every trial of the sweep with its folds counted by state, and its interrupted folds and their interruptions, in grid order.</summary>
    public async Task<IReadOnlyList<TrialProgress>> ProgressAsync(string sweepId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<TrialProgress>(
            """
            SELECT t.id AS TrialId, t.ordinal AS Ordinal, t.label AS Label, t.state AS State,
                   SUM(CASE WHEN f.state = 'pending' THEN 1 ELSE 0 END) AS Pending,
                   SUM(CASE WHEN f.state = 'running' THEN 1 ELSE 0 END) AS Running,
                   SUM(CASE WHEN f.state = 'done' THEN 1 ELSE 0 END) AS Done,
                   SUM(CASE WHEN f.state = 'failed' THEN 1 ELSE 0 END) AS Failed,
                   SUM(CASE WHEN f.interruptions > 0 THEN 1 ELSE 0 END) AS Interrupted,
                   SUM(f.interruptions) AS Interruptions
            FROM trials t JOIN folds f ON f.trial_id = t.id
            WHERE t.sweep_id = @sweepId
            GROUP BY t.id, t.ordinal, t.label, t.state
            ORDER BY t.ordinal
            """, new { sweepId }), cancellationToken)).ToList();

    /// <summary>Mean wall time of the sweep's successful fold attempts so far, for the ETA; null before the first.</summary>
    public Task<double?> MeanFoldSecondsAsync(string sweepId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ExecuteScalarAsync<double?>(
            """
            SELECT AVG(CAST(a.finished_at - a.started_at AS DOUBLE PRECISION)) / 1000.0
            FROM fold_attempts a JOIN folds f ON f.id = a.fold_id JOIN trials t ON t.id = f.trial_id
            WHERE t.sweep_id = @sweepId AND a.outcome = 'done'
            """, new { sweepId }), cancellationToken);

    /// <summary>Whether any fold is still pending or leased (in one sweep, or in any running sweep).</summary>
    public Task<bool> HasOpenFoldsAsync(string? sweepId = null, CancellationToken cancellationToken = default) =>
        ReadAsync(async connection => await connection.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM folds f JOIN trials t ON t.id = f.trial_id JOIN sweeps s ON s.id = t.sweep_id
            WHERE f.state IN ('pending', 'leased') AND s.state = 'running' AND (@sweepId IS NULL OR s.id = @sweepId)
            """, new { sweepId }) > 0, cancellationToken);
}

using System.Text.Json;
using Dapper;
using MerCluster.Core.Metrics;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// The fold records of a sweep as its fold grains move them: an attempt starts on a silo, then ends done (with its
/// predictions), failed (its own work threw), or interrupted (its silo died or stopped). Every end is guarded by (fold, attempt, running), so a second report of the same
/// attempt, or a report from an attempt that was already given up, changes nothing: a trial holds each held-out
/// sample's prediction once.
/// </summary>
public sealed partial class CoordinationStore
{
    private const string AttemptGuard = "id = @foldId AND attempt = @attempt AND state = 'running'";

    /// <summary>
    /// Starts attempt <paramref name="attempt"/> of a pending fold on <paramref name="silo"/>; false when the fold is not
    /// pending (done, failed, or already running that attempt).
    /// </summary>
    public Task<bool> StartAttemptAsync(long foldId, int attempt, string silo, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var started = await connection.ExecuteAsync(
                "UPDATE folds SET state = 'running', attempt = @attempt, silo = @silo WHERE id = @foldId AND state = 'pending'",
                new { foldId, attempt, silo }, transaction);
            if (started == 1)
                await connection.ExecuteAsync(Sql("""
                    INSERT INTO fold_attempts (fold_id, attempt, silo, started_at) VALUES (@foldId, @attempt, @silo, {now})
                    ON CONFLICT (fold_id, attempt) DO UPDATE SET silo = excluded.silo, started_at = excluded.started_at, finished_at = NULL, outcome = NULL, error = NULL
                    """), new { foldId, attempt, silo }, transaction);
            return started == 1;
        }, cancellationToken);

    /// <summary>
    /// Writes the predictions of a running attempt and marks its fold done, in one transaction. False, and nothing
    /// written, when that attempt is not the fold's running one (already reported, given up, or superseded).
    /// </summary>
    public Task<bool> CompleteAttemptAsync(long trialId, long foldId, int attempt, IReadOnlyList<SamplePrediction> predictions,
        CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var marked = await connection.ExecuteAsync(
                $"UPDATE folds SET state = 'done', last_error = NULL WHERE {AttemptGuard}", new { foldId, attempt }, transaction);
            if (marked == 0)
                return false;
            await connection.ExecuteAsync(Sql("UPDATE fold_attempts SET finished_at = {now}, outcome = 'done' WHERE fold_id = @foldId AND attempt = @attempt"),
                new { foldId, attempt }, transaction);
            await connection.ExecuteAsync("DELETE FROM predictions WHERE fold_id = @foldId", new { foldId }, transaction);
            await connection.ExecuteAsync("""
                INSERT INTO predictions (trial_id, fold_id, attempt, sample_id, subject, database_id, label, predicted, probabilities_json)
                VALUES (@trialId, @foldId, @attempt, @SampleId, @Subject, @Database, @Label, @Predicted, @ProbabilitiesJson)
                """, predictions.Select(p => new
                {
                    trialId, foldId, attempt, p.SampleId, p.Subject, p.Database, p.Label, p.Predicted,
                    ProbabilitiesJson = JsonSerializer.Serialize(p.Probabilities),
                }), transaction);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Ends a running attempt without a result, counted as <paramref name="end"/> says against its sweep's cap:
    /// <see cref="AttemptEnd.Failed"/> keeps <paramref name="error"/> as the fold's last error and fails the fold once
    /// <c>max_attempts</c> attempts failed; <see cref="AttemptEnd.Interrupted"/> sends the fold back to pending, to resume
    /// from its checkpoint, unless that makes more than <c>max_interruptions</c> interruptions, which fails it with an
    /// error naming the cap; <see cref="AttemptEnd.Cancelled"/> counts toward neither. Returns the fold's new state, or
    /// null when that attempt was not running.
    /// </summary>
    public Task<string?> EndAttemptAsync(long foldId, int attempt, AttemptEnd end, string error, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var caps = await connection.QueryFirstOrDefaultAsync<AttemptCaps>("""
                SELECT s.max_attempts AS MaxAttempts, s.max_interruptions AS MaxInterruptions, f.interruptions AS Interruptions
                FROM folds f JOIN trials t ON t.id = f.trial_id JOIN sweeps s ON s.id = t.sweep_id
                WHERE f.id = @foldId AND f.attempt = @attempt AND f.state = 'running'
                """, new { foldId, attempt }, transaction) ?? new AttemptCaps();
            var failure = end == AttemptEnd.Failed ? 1 : 0;
            var interruption = end == AttemptEnd.Interrupted ? 1 : 0;
            var overCap = $"interrupted {caps.Interruptions + 1} times, more than the sweep's max_interruptions ({caps.MaxInterruptions}); last: {error}";
            var state = await connection.QueryFirstOrDefaultAsync<string>($"""
                UPDATE folds SET
                    failures = failures + @failure,
                    interruptions = interruptions + @interruption,
                    last_error = CASE
                        WHEN @failure = 1 THEN @error
                        WHEN @interruption = 1 AND interruptions + 1 > @maxInterruptions THEN @overCap
                        ELSE last_error END,
                    state = CASE
                        WHEN failures + @failure >= @maxAttempts OR interruptions + @interruption > @maxInterruptions THEN 'failed'
                        ELSE 'pending' END
                WHERE {AttemptGuard}
                RETURNING state
                """, new { foldId, attempt, error, overCap, failure, interruption, maxAttempts = caps.MaxAttempts, maxInterruptions = caps.MaxInterruptions }, transaction);
            if (state is not null)
                await connection.ExecuteAsync(Sql("UPDATE fold_attempts SET finished_at = {now}, outcome = @outcome, error = @error WHERE fold_id = @foldId AND attempt = @attempt"),
                    new { foldId, attempt, error, outcome = Outcome(end) }, transaction);
            return state;
        }, cancellationToken);

    private sealed record AttemptCaps
    {
        public int MaxAttempts { get; init; }
        public int MaxInterruptions { get; init; }
        public int Interruptions { get; init; }
    }

    private static string Outcome(AttemptEnd end) => end switch
    {
        AttemptEnd.Failed => "failed",
        AttemptEnd.Interrupted => "interrupted",
        _ => "cancelled",
    };

    /// <summary>Fails a fold that will not run again (its sweep was cancelled), whatever its attempt; false when it was already done or failed.</summary>
    public Task<bool> AbandonFoldAsync(long foldId, string error, CancellationToken cancellationToken = default) =>
        ReadAsync(async connection => await connection.ExecuteAsync(
            "UPDATE folds SET state = 'failed', last_error = @error WHERE id = @foldId AND state IN ('pending', 'running')",
            new { foldId, error }) == 1, cancellationToken);

    /// <summary>Every fold of a sweep, in trial then fold order.</summary>
    public async Task<IReadOnlyList<FoldRecord>> SweepFoldsAsync(string sweepId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<FoldRecord>(
            $"""
            SELECT {FoldColumns} FROM folds f JOIN trials t ON t.id = f.trial_id WHERE t.sweep_id = @sweepId ORDER BY t.ordinal, f.id
            """, new { sweepId }), cancellationToken)).ToList();

    public Task<FoldRecord?> FoldAsync(long foldId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.QueryFirstOrDefaultAsync<FoldRecord>(
            $"SELECT {FoldColumns} FROM folds f WHERE f.id = @foldId", new { foldId }), cancellationToken);

    private const string FoldColumns = """
        f.id AS Id, f.trial_id AS TrialId, f.held_out_subject AS HeldOutSubject, f.state AS State, f.attempt AS Attempt,
        f.failures AS Failures, f.interruptions AS Interruptions, f.silo AS Silo, f.last_error AS LastError
        """;

    /// <summary>Every attempt of a fold, oldest first.</summary>
    public async Task<IReadOnlyList<FoldAttempt>> AttemptsAsync(long foldId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<FoldAttempt>(
            """
            SELECT fold_id AS FoldId, attempt AS Attempt, silo AS Silo, started_at AS StartedAt, finished_at AS FinishedAt,
                   outcome AS Outcome, error AS Error
            FROM fold_attempts WHERE fold_id = @foldId ORDER BY attempt
            """, new { foldId }), cancellationToken)).ToList();
}

public sealed record FoldAttempt
{
    public long FoldId { get; init; }
    public int Attempt { get; init; }
    public string Silo { get; init; } = "";
    public long StartedAt { get; init; }
    public long? FinishedAt { get; init; }
    public string? Outcome { get; init; }
    public string? Error { get; init; }
}

using MerCluster.Core.Metrics;
using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// Fold leasing. A claim is one write transaction: first every lease that ran out is ended (its fold back to pending,
/// or failed once the sweep's max attempts are used up), then the next pending fold is leased with attempt + 1.
/// Completing, failing, renewing and releasing are guarded by (fold, attempt, worker): a worker whose lease was
/// taken over can no longer write anything about the fold.
/// </summary>
public sealed partial class CoordinationStore
{
    private const string LeaseGuard = "id = @FoldId AND attempt = @Attempt AND lease_owner = @Worker AND state = 'leased'";
    private const string MaxAttemptsOfFold = "(SELECT s.max_attempts FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = folds.trial_id)";

    /// <summary>Leases the next pending fold (of <paramref name="sweepId"/>, or of any running sweep) to <paramref name="worker"/>; null when none is pending.</summary>
    public Task<ClaimResult> ClaimAsync(string worker, TimeSpan leaseDuration, string? sweepId = null, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var expired = await EndExpiredLeasesAsync(connection, transaction);
            var claimed = await connection.QueryFirstOrDefaultAsync<FoldRecord>(Sql("""
                UPDATE folds SET state = 'leased', attempt = attempt + 1, lease_owner = @worker, lease_expires_at = {now} + @leaseMs
                WHERE id = (
                    SELECT f.id FROM folds f JOIN trials t ON t.id = f.trial_id JOIN sweeps s ON s.id = t.sweep_id
                    WHERE f.state = 'pending' AND s.state = 'running' AND (@sweepId IS NULL OR s.id = @sweepId)
                    ORDER BY f.id LIMIT 1 {skip_locked})
                RETURNING id AS Id, trial_id AS TrialId, held_out_subject AS HeldOutSubject, attempt AS Attempt
                """), new { worker, leaseMs = (long)leaseDuration.TotalMilliseconds, sweepId }, transaction);
            if (claimed is null)
                return new ClaimResult(null, expired);
            await connection.ExecuteAsync(Sql(
                "INSERT INTO fold_attempts (fold_id, attempt, worker, started_at) VALUES (@Id, @Attempt, @worker, {now})"),
                new { claimed.Id, claimed.Attempt, worker }, transaction);
            var sweep = await connection.ExecuteScalarAsync<string>("SELECT sweep_id FROM trials WHERE id = @TrialId", claimed, transaction);
            return new ClaimResult(new FoldLease(claimed.Id, claimed.TrialId, sweep!, claimed.HeldOutSubject, claimed.Attempt, worker), expired);
        }, cancellationToken);

    private async Task<IReadOnlyList<ExpiredLease>> EndExpiredLeasesAsync(DbConnection connection, DbTransaction transaction)
    {
        var expired = (await connection.QueryAsync<ExpiredLease>(Sql($"""
            UPDATE folds SET
                failures = failures + 1,
                last_error = 'lease of worker ' || lease_owner || ' expired during attempt ' || CAST(attempt AS TEXT),
                state = CASE WHEN failures + 1 >= {MaxAttemptsOfFold} THEN 'failed' ELSE 'pending' END,
                lease_owner = NULL, lease_expires_at = NULL
            WHERE state = 'leased' AND lease_expires_at < {"{now}"}
            RETURNING id AS Id, trial_id AS TrialId, attempt AS Attempt, state AS State
            """), transaction: transaction)).ToList();
        foreach (var lease in expired)
            await connection.ExecuteAsync(Sql("""
                UPDATE fold_attempts SET finished_at = {now}, outcome = 'expired', error = 'lease expired: the worker stopped renewing it'
                WHERE fold_id = @Id AND attempt = @Attempt AND finished_at IS NULL
                """), lease, transaction);
        return expired;
    }

    /// <summary>Extends the lease; false when it is no longer this worker's (expired and taken over, or ended).</summary>
    public Task<bool> RenewAsync(FoldLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        ReadAsync(async connection => await connection.ExecuteAsync(Sql(
            $"UPDATE folds SET lease_expires_at = {{now}} + @leaseMs WHERE {LeaseGuard}"),
            new { lease.FoldId, lease.Attempt, lease.Worker, leaseMs = (long)leaseDuration.TotalMilliseconds }) == 1, cancellationToken);

    /// <summary>
    /// Writes the fold's predictions and marks it done, in one transaction guarded by the lease. False (and nothing
    /// written) when the lease is no longer this worker's.
    /// </summary>
    public Task<bool> CompleteAsync(FoldLease lease, IReadOnlyList<SamplePrediction> predictions, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var marked = await connection.ExecuteAsync(
                $"UPDATE folds SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, last_error = NULL WHERE {LeaseGuard}",
                lease, transaction);
            if (marked == 0)
                return false;
            await connection.ExecuteAsync(Sql("UPDATE fold_attempts SET finished_at = {now}, outcome = 'done' WHERE fold_id = @FoldId AND attempt = @Attempt"),
                lease, transaction);
            await connection.ExecuteAsync("DELETE FROM predictions WHERE fold_id = @FoldId", lease, transaction);
            await connection.ExecuteAsync("""
                INSERT INTO predictions (trial_id, fold_id, attempt, sample_id, subject, database_id, label, predicted, probabilities_json)
                VALUES (@TrialId, @FoldId, @Attempt, @SampleId, @Subject, @Database, @Label, @Predicted, @ProbabilitiesJson)
                """, predictions.Select(p => new
                {
                    lease.TrialId, lease.FoldId, lease.Attempt, p.SampleId, p.Subject, p.Database, p.Label, p.Predicted,
                    ProbabilitiesJson = JsonSerializer.Serialize(p.Probabilities),
                }), transaction);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Records a failed attempt with its error: the fold goes back to pending, or is failed when the sweep's max
    /// attempts are used up. Returns the fold's new state, or null when the lease was no longer this worker's.
    /// </summary>
    public Task<string?> FailAsync(FoldLease lease, string error, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var state = await connection.QueryFirstOrDefaultAsync<string>($"""
                UPDATE folds SET failures = failures + 1, last_error = @error,
                    state = CASE WHEN failures + 1 >= {MaxAttemptsOfFold} THEN 'failed' ELSE 'pending' END,
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE {LeaseGuard}
                RETURNING state
                """, new { lease.FoldId, lease.Attempt, lease.Worker, error }, transaction);
            if (state is not null)
                await connection.ExecuteAsync(Sql("UPDATE fold_attempts SET finished_at = {now}, outcome = 'failed', error = @error WHERE fold_id = @FoldId AND attempt = @Attempt"),
                    new { lease.FoldId, lease.Attempt, error }, transaction);
            return state;
        }, cancellationToken);

    /// <summary>Gives the fold back without counting a failure (a worker asked to stop before it finished).</summary>
    public Task<bool> ReleaseAsync(FoldLease lease, string reason, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var released = await connection.ExecuteAsync(
                $"UPDATE folds SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL WHERE {LeaseGuard}", lease, transaction);
            if (released == 1)
                await connection.ExecuteAsync(Sql("UPDATE fold_attempts SET finished_at = {now}, outcome = 'released', error = @reason WHERE fold_id = @FoldId AND attempt = @Attempt"),
                    new { lease.FoldId, lease.Attempt, reason }, transaction);
            return released == 1;
        }, cancellationToken);

    /// <summary>Ends now the leases of the named workers (known dead), so the next claim returns their folds to pending.</summary>
    public Task<int> ExpireLeasesOfAsync(IReadOnlyCollection<string> workers, CancellationToken cancellationToken = default) =>
        workers.Count == 0 ? Task.FromResult(0) :
        WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql(
            "UPDATE folds SET lease_expires_at = {now} - 1 WHERE state = 'leased' AND lease_owner = @worker"),
            workers.Select(worker => new { worker }), transaction), cancellationToken);

    /// <summary>Every attempt of a fold, oldest first.</summary>
    public async Task<IReadOnlyList<FoldAttempt>> AttemptsAsync(long foldId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<FoldAttempt>(
            """
            SELECT fold_id AS FoldId, attempt AS Attempt, worker AS Worker, started_at AS StartedAt, finished_at AS FinishedAt,
                   outcome AS Outcome, error AS Error
            FROM fold_attempts WHERE fold_id = @foldId ORDER BY attempt
            """, new { foldId }), cancellationToken)).ToList();
}

/// <summary>What a claim did: the lease it took (null when nothing was pending) and the expired leases it ended first.</summary>
public sealed record ClaimResult(FoldLease? Lease, IReadOnlyList<ExpiredLease> Expired);

public sealed record FoldAttempt
{
    public long FoldId { get; init; }
    public int Attempt { get; init; }
    public string Worker { get; init; } = "";
    public long StartedAt { get; init; }
    public long? FinishedAt { get; init; }
    public string? Outcome { get; init; }
    public string? Error { get; init; }
}

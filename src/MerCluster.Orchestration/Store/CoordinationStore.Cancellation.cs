using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// Cancelling a sweep (the coordinator API's POST /api/sweeps/{id}/cancel): its pending folds become failed with the
/// error "cancelled", and the sweep leaves the running state so its grain dispatches no other fold. The sweep grain
/// stops the running ones; results already reported are kept.
/// </summary>
public sealed partial class CoordinationStore
{
    public const string CancelledSweepState = "cancelled";

    /// <summary>Cancels the sweep; returns how many pending folds it failed (0 when the sweep was not running).</summary>
    public Task<int> CancelSweepAsync(string sweepId, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var running = await connection.ExecuteAsync(
                "UPDATE sweeps SET state = @cancelled WHERE id = @sweepId AND state = 'running'",
                new { sweepId, cancelled = CancelledSweepState }, transaction);
            if (running == 0)
                return 0;
            return await connection.ExecuteAsync(
                "UPDATE folds SET state = 'failed', last_error = 'cancelled' WHERE state = 'pending' AND trial_id IN (SELECT id FROM trials WHERE sweep_id = @sweepId)",
                new { sweepId }, transaction);
        }, cancellationToken);
}

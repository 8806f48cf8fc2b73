using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// A fold's story (`mer status SWEEP --events`, GET /api/sweeps/{id}/events): every attempt's placement, start,
/// checkpoints, resumption, and how it ended, one row each, written beside the fold's work and never in its
/// transaction. Times are Unix milliseconds UTC taken by the silo where the event happened, so an event queued behind a
/// slow store keeps the time it happened at.
/// </summary>
public sealed partial class CoordinationStore
{
    private const string FoldEventColumns = """
        id AS Id, sweep_id AS SweepId, trial_id AS TrialId, fold_id AS FoldId, attempt AS Attempt, kind AS Kind, silo AS Silo,
        device AS Device, epoch AS Epoch, message AS Message, at AS At
        """;

    /// <summary>Appends one event (its <see cref="FoldEvent.Id"/> is ignored: the store numbers events).</summary>
    public Task AppendFoldEventAsync(FoldEvent foldEvent, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            INSERT INTO fold_events (sweep_id, trial_id, fold_id, attempt, kind, silo, device, epoch, message, at)
            VALUES (@SweepId, @TrialId, @FoldId, @Attempt, @Kind, @Silo, @Device, @Epoch, @Message, @At)
            """, foldEvent, transaction), cancellationToken);

    /// <summary>The events of a sweep, or of one of its folds, oldest first (events of the same millisecond in the order written).</summary>
    public async Task<IReadOnlyList<FoldEvent>> FoldEventsAsync(string sweepId, long? foldId = null, CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<FoldEvent>(
            $"SELECT {FoldEventColumns} FROM fold_events WHERE sweep_id = @sweepId{(foldId is null ? "" : " AND fold_id = @foldId")} ORDER BY at, id",
            new { sweepId, foldId }), cancellationToken)).ToList();
}

/// <summary>What happened to a fold, as <see cref="FoldEvent.Kind"/> names it.</summary>
public static class FoldEventKinds
{
    /// <summary>An attempt took a device slot on a silo.</summary>
    public const string Placed = "placed";

    /// <summary>The attempt has its features and starts training (from the start, or from a checkpoint: see <see cref="Resumed"/>).</summary>
    public const string Started = "started";

    /// <summary>The attempt stored a training checkpoint after <see cref="FoldEvent.Epoch"/> epochs.</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>The attempt carries on from a checkpoint an earlier attempt stored, at <see cref="FoldEvent.Epoch"/>.</summary>
    public const string Resumed = "resumed";

    public const string Completed = "completed";

    /// <summary>The attempt's own work threw; the message is the error.</summary>
    public const string Failed = "failed";

    /// <summary>The attempt was cut short from outside: its silo died, stopped, or was preempted.</summary>
    public const string Interrupted = "interrupted";

    public const string Cancelled = "cancelled";
}

/// <summary>One thing that happened to one attempt of a fold. <see cref="At"/> is Unix milliseconds UTC.</summary>
public sealed record FoldEvent
{
    public long Id { get; init; }
    public string SweepId { get; init; } = "";
    public long TrialId { get; init; }
    public long FoldId { get; init; }
    public int Attempt { get; init; }
    public string Kind { get; init; } = "";
    public string? Silo { get; init; }
    public string? Device { get; init; }
    public int? Epoch { get; init; }
    public string? Message { get; init; }
    public long At { get; init; }
}

using MerCluster.Orchestration.Store;
using Microsoft.Extensions.Logging;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// Tells a fold's story as it happens: each event is logged (a `mer silo` shows it with a millisecond UTC timestamp and the
/// fold's id) and stored in fold_events. A fold never fails for its story: an event the store cannot take is logged as
/// a warning and dropped. Checkpoint events are kept at most one per <see cref="CheckpointPeriod"/> of an attempt (the
/// first always), since a fold may checkpoint every epoch; the resumed event names the epoch actually resumed.
/// </summary>
public sealed class FoldEvents(CoordinationStore store, ILogger<FoldEvents> log)
{
    public static readonly TimeSpan CheckpointPeriod = TimeSpan.FromSeconds(10);

    /// <summary>Logs and stores one event of <paramref name="attempt"/>; <paramref name="silo"/> defaults to the attempt's.</summary>
    public async Task RecordAsync(FoldAttemptKey attempt, string kind, string? message = null, string? device = null, int? epoch = null, string? silo = null)
    {
        var foldEvent = new FoldEvent
        {
            SweepId = attempt.SweepId, TrialId = attempt.TrialId, FoldId = attempt.FoldId, Attempt = attempt.Attempt, Kind = kind,
            Silo = silo ?? attempt.Silo, Device = device, Epoch = epoch, Message = message, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        log.LogInformation("{Attempt}: {Kind}{Where}{Epoch}{Message}", attempt, kind,
            foldEvent.Silo is null ? "" : $" on {foldEvent.Silo}" + (device is null ? "" : $" ({device})"),
            epoch is { } at ? $" at epoch {at}" : "", string.IsNullOrEmpty(message) ? "" : $": {message}");
        try
        {
            await store.AppendFoldEventAsync(foldEvent);
        }
        catch (Exception e)
        {
            log.LogWarning("{Attempt}: cannot store its {Kind} event in {Store} ({Error}); the fold carries on", attempt, kind, store.Location, e.Message);
        }
    }
}

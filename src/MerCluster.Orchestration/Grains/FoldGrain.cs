using System.Diagnostics;
using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Core.Telemetry;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using MerCluster.Orchestration.Cluster;

namespace MerCluster.Orchestration.Grains;

/// <summary>
/// One LOSO fold of one trial (keyed by its fold id in the store): pending -> running -> done, or failed after the
/// sweep's <c>max_attempts</c> with its last error (or after more than <c>max_interruptions</c>). <see cref="Start"/> returns at once; the attempt trains in a
/// background task on a device slot of the silo the grain was placed on, kept alive by a grain timer that also records
/// progress (the epoch reached, in the grain's state). A reminder brings the fold back if its silo dies: the lost attempt is counted as an interruption, not a
/// failure, and the fold goes back to its sweep, which starts it on a silo with a free slot, where it resumes from its checkpoint.
/// </summary>
public interface IFoldGrain : IGrainWithIntegerKey
{
    Task<FoldStart> Start();

    /// <summary>The sweep saw this fold's silo leave the cluster: ends the lost attempt (a fresh activation has none running).</summary>
    Task Recover();

    /// <summary>The sweep was cancelled: stops a running attempt, and the fold is failed with "cancelled".</summary>
    Task Cancel();

    Task<FoldGrainState> Describe();

    /// <summary>The fold's own background task reporting that attempt <paramref name="attempt"/> ended.</summary>
    Task Finish(int attempt);
}

/// <summary>The fold grain's persisted state: the attempt in flight, where it runs, and how far its training got.</summary>
[GenerateSerializer]
public sealed record FoldGrainState
{
    [Id(0)] public string State { get; set; } = FoldStates.Pending;
    [Id(1)] public int Attempt { get; set; }
    [Id(2)] public string? Silo { get; set; }
    [Id(3)] public string? Device { get; set; }
    [Id(4)] public DateTime? StartedAt { get; set; }
    [Id(5)] public DateTime? AliveAt { get; set; }
    [Id(6)] public string? LastError { get; set; }
    [Id(7)] public int Epoch { get; set; }
    [Id(8)] public int Epochs { get; set; }
}

[FreeSlotPlacement]
public sealed class FoldGrain(
    [PersistentState("fold", StoreClusterExtensions.StorageName)] IPersistentState<FoldGrainState> state,
    CoordinationStore store, SiloSlots slots, FoldExecutor executor, ILocalSiloDetails silo, IClusterMembershipService membership,
    IHostApplicationLifetime lifetime, ILogger<FoldGrain> log, FoldEvents events)
    : Grain, IFoldGrain, IRemindable
{
    private const string WatchReminder = "watch";

    /// <summary>How often a running fold re-asserts its slot and records that it is alive.</summary>
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the reminder checks on a running fold, so that one whose silo died is started again even when nothing
    /// else notices (its sweep's silo died too). Silos allow reminders this short (<see cref="Cluster.SiloHost.MinimumReminderPeriod"/>).
    /// </summary>
    public static readonly TimeSpan WatchPeriod = TimeSpan.FromSeconds(15);

    /// <summary>Every how many beats a running fold writes its progress (epoch, time alive) to its grain state.</summary>
    public const int ProgressBeats = 5;

    /// <summary>
    /// How long a finished attempt keeps trying to hand its predictions to its trial grain (whose silo may be dying)
    /// before it records them in the store itself.
    /// </summary>
    public static readonly TimeSpan ReportPatience = TimeSpan.FromMinutes(2);

    private Attempt? _running;

    private long FoldId => this.GetPrimaryKeyLong();

    public async Task<FoldStart> Start()
    {
        if (_running is not null)
            return FoldStart.Running;
        var record = await store.FoldAsync(FoldId) ?? throw new InvalidOperationException($"fold {FoldId} is not in the store {store.Location}");
        if (record.State == FoldStates.Running)
        {
            // Another activation of this grain runs it on a live silo (this one came up after a silo holding the grain
            // directory's entry died): it is not lost, and that activation finishes it.
            if (!IsLost(record))
                return FoldStart.Running;
            record = await EndLostAttemptAsync(record);
        }
        if (record.State is FoldStates.Done or FoldStates.Failed)
        {
            DeactivateOnIdle();
            return FoldStart.Finished;
        }
        var holder = $"fold-{FoldId}";
        if (slots.TryTake(holder) is not { } slot)
        {
            // This activation sits on a silo without a free slot (woken here by its reminder, or kept here by a caller's
            // cached address): move it to the silo its sweep reserved, named in this call's request context. A plain
            // deactivation would not do: the next call, routed by that cached address, would activate it here again.
            MigrateOnIdle();
            return FoldStart.NoSlot;
        }
        FoldAttemptKey? key = null;
        var started = false;
        try
        {
            // The watch comes first: should what follows fail once the store says the attempt runs (the reminder's silo
            // killed, the store gone past its patience), a running fold with nothing running it is still found and ended.
            await this.RegisterOrUpdateReminder(WatchReminder, WatchPeriod, WatchPeriod);
            var trial = await store.TrialAsync(record.TrialId);
            key = new FoldAttemptKey(trial.SweepId, record.TrialId, FoldId, record.HeldOutSubject, record.Attempt + 1, silo.Name);
            if (!await store.StartAttemptAsync(FoldId, key.Attempt, silo.Name))
            {
                slots.Give(holder);
                DeactivateOnIdle();
                return FoldStart.Finished;
            }
            started = true;
            state.State = new FoldGrainState
            {
                State = FoldStates.Running, Attempt = key.Attempt, Silo = silo.Name, Device = slot.Device, StartedAt = DateTime.UtcNow,
                AliveAt = DateTime.UtcNow, LastError = record.LastError,
            };
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            slots.Give(holder);
            if (started)
                await GiveBackUnstartedAsync(key!, e);
            throw;
        }
        await events.RecordAsync(key!, FoldEventKinds.Placed, device: slot.Device);
        var board = GrainFactory.GetGrain<ISlotBoardGrain>(SlotBoardGrain.Key);
        var running = new Attempt(key!, slot, holder, this.AsReference<IFoldGrain>());
        var beats = 0;
        running.Timer = this.RegisterGrainTimer(async () =>
        {
            // The work's end is reported through a call to this grain; should that call reach another activation (the
            // grain directory lost this one's entry with a dead silo), this activation still finishes it on its next beat.
            if (running.Work.IsCompleted && ReferenceEquals(_running, running))
            {
                await Finish(running.Key.Attempt);
                return;
            }
            state.State.AliveAt = DateTime.UtcNow;
            (state.State.Epoch, state.State.Epochs) = running.Progress;
            // The progress is kept every few beats, so a fold's grain state says how far its attempt got.
            if (++beats % ProgressBeats == 0)
                await state.WriteStateAsync();
            await board.Hold(FoldId, silo.SiloAddress);
        }, new GrainTimerCreationOptions(TimeSpan.Zero, Beat) { KeepAlive = true });
        running.Run(executor, log);
        _running = running;
        return FoldStart.Started;
    }

    public async Task Finish(int attempt)
    {
        if (_running is not { } running || running.Key.Attempt != attempt || !running.Work.IsCompleted)
            return;
        _running = null;
        running.Timer?.Dispose();
        slots.Give(running.Holder);
        var key = running.Key;
        string next;
        if (running.Work.IsCompletedSuccessfully)
        {
            var recorded = await ReportAsync(key, running.Work.Result);
            next = recorded ? FoldStates.Done : (await store.FoldAsync(FoldId))?.State ?? FoldStates.Failed;
            if (recorded)
                await events.RecordAsync(key, FoldEventKinds.Completed, $"{running.Work.Result.Count} predictions after {running.Elapsed.TotalSeconds:0.0} s", running.Device);
            MerMetrics.FoldFinished(key.SweepId, key.TrialId, FoldStates.Done, running.Elapsed);
        }
        else if (running.Cancelled)
        {
            await store.EndAttemptAsync(FoldId, attempt, AttemptEnd.Cancelled, "cancelled with its sweep");
            await store.AbandonFoldAsync(FoldId, "cancelled");
            next = FoldStates.Failed;
            await events.RecordAsync(key, FoldEventKinds.Cancelled, "cancelled with its sweep", running.Device);
            MerMetrics.FoldFinished(key.SweepId, key.TrialId, "cancelled", running.Elapsed);
        }
        else
        {
            var error = running.Work.Exception?.InnerException is { } e ? $"{e.GetType().Name}: {e.Message}" : "cancelled";
            next = await store.EndAttemptAsync(FoldId, attempt, AttemptEnd.Failed, error) ?? FoldStates.Failed;
            log.LogWarning("{Attempt} failed: {Error}; the fold is {State}", key, error, next);
            await events.RecordAsync(key, FoldEventKinds.Failed, $"{error}; the fold is {next}", running.Device);
            MerMetrics.Error(MerMetrics.ErrorKinds.FoldFailed);
            MerMetrics.FoldFinished(key.SweepId, key.TrialId, FoldStates.Failed, running.Elapsed);
            if (next == FoldStates.Failed)
                await GrainFactory.GetGrain<ITrialGrain>(key.TrialId).Recompute();
            state.State.LastError = error;
        }
        await EndAsync(next, key.SweepId);
    }

    public async Task Recover()
    {
        if (_running is not null)
            return;
        var record = await store.FoldAsync(FoldId);
        if (record?.State == FoldStates.Running)
            await EndLostAttemptAsync(record);
        DeactivateOnIdle();
    }

    public async Task Cancel()
    {
        if (_running is { } running)
        {
            running.Cancel(cancelled: true);
            return;
        }
        await store.AbandonFoldAsync(FoldId, "cancelled");
        DeactivateOnIdle();
    }

    public Task<FoldGrainState> Describe() => Task.FromResult(state.State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_running is not null)
            return;
        var record = await store.FoldAsync(FoldId);
        if (record?.State != FoldStates.Running)
            await UnwatchAsync();
        else if (IsLost(record))
            await EndLostAttemptAsync(record);
        // else: another activation runs it on a live silo; the reminder stays, as that attempt's watch.
        DeactivateOnIdle();
    }

    /// <summary>
    /// Whether a running attempt has nobody running it, as seen from this activation, which runs none: it was on this
    /// silo (whose one activation of the grain this is), or on a silo that is no longer active in the cluster.
    /// </summary>
    private bool IsLost(FoldRecord record) =>
        record.Silo is null || record.Silo == silo.Name
        || !membership.CurrentSnapshot.Members.Values.Any(m => m.Name == record.Silo && m.Status == SiloStatus.Active);

    /// <summary>
    /// Stopping (a silo shutting down or preempted, Ctrl-C on an embedded sweep): the running attempt is cancelled and
    /// counted as an interruption, not a failure, so the next run starts it again from its checkpoint.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_running is not { } running)
            return;
        _running = null;
        running.Cancel(cancelled: false);
        try
        {
            await running.Work.WaitAsync(cancellationToken);
        }
        catch (Exception)
        {
        }
        running.Timer?.Dispose();
        slots.Give(running.Holder);
        if (running.Work.IsCompletedSuccessfully)
        {
            // It finished as the silo stopped: its result still counts.
            var recorded = await ReportAsync(running.Key, running.Work.Result);
            if (recorded)
                await events.RecordAsync(running.Key, FoldEventKinds.Completed, $"{running.Work.Result.Count} predictions as its silo stopped", running.Device);
            await EndAsync(recorded ? FoldStates.Done : (await store.FoldAsync(FoldId))?.State ?? FoldStates.Failed, running.Key.SweepId);
            return;
        }
        var next = await store.EndAttemptAsync(FoldId, running.Key.Attempt, AttemptEnd.Interrupted, $"silo {silo.Name} stopped ({reason.Description})");
        await events.RecordAsync(running.Key, FoldEventKinds.Interrupted, $"silo {silo.Name} stopped ({reason.Description}); the fold is {next ?? FoldStates.Pending}", running.Device);
        MerMetrics.FoldFinished(running.Key.SweepId, running.Key.TrialId, "interrupted", running.Elapsed);
        await EndAsync(next ?? FoldStates.Pending, running.Key.SweepId, keepWatching: true);
    }

    /// <summary>
    /// Hands the predictions to the trial grain, trying again while that grain's silo is being declared dead and the
    /// grain comes back elsewhere. When this silo is stopping (every silo may be: no trial grain can be placed) or the
    /// patience runs out, the fold records them in the store itself, with the same transaction and aggregation the
    /// trial grain runs, so a finished fold's result is never dropped. Recording is idempotent per fold and attempt,
    /// so a retry after a lost answer is harmless.
    /// </summary>
    private async Task<bool> ReportAsync(FoldAttemptKey key, IReadOnlyList<SamplePrediction> predictions)
    {
        var deadline = DateTime.UtcNow + ReportPatience;
        var stopping = lifetime.ApplicationStopping;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                return await GrainFactory.GetGrain<ITrialGrain>(key.TrialId).Report(key.FoldId, key.Attempt, predictions).WaitAsync(stopping);
            }
            catch (Exception e) when (e is not InvalidOperationException && !stopping.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                log.LogWarning("{Attempt}: cannot hand its predictions to trial {Trial} yet ({Error}); trying again", key, key.TrialId, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stopping).ContinueWith(_ => { }, TaskScheduler.Current);
            }
            catch (Exception e) when (e is not InvalidOperationException)
            {
                log.LogWarning("{Attempt}: cannot hand its predictions to trial {Trial} ({Error})", key, key.TrialId, e.Message);
                break;
            }
        }
        log.LogWarning("{Attempt}: records its predictions in the store {Store} itself", key, store.Location);
        // The store retries through an outage on its own; one that outlasts even that leaves the predictions here, tried
        // again until they are recorded or the silo stops.
        while (true)
        {
            try
            {
                var recorded = await store.CompleteAttemptAsync(key.TrialId, key.FoldId, key.Attempt, predictions);
                // Not recorded now, yet done with this attempt: an earlier try committed and lost its answer, maybe before its aggregation.
                if (recorded || await store.FoldAsync(key.FoldId) is { State: FoldStates.Done } done && done.Attempt == key.Attempt)
                    await TrialAggregator.RecomputeAsync(store, await executor.Sweeps.GetAsync(key.SweepId), key.TrialId, key.HeldOutSubject);
                return recorded;
            }
            catch (StoreException e) when (!stopping.IsCancellationRequested)
            {
                log.LogWarning("{Attempt}: keeps its predictions until the store is back ({Error})", key, e.Message);
                await Task.Delay(StoreRetry.DefaultLongestDelay, stopping).ContinueWith(_ => { }, TaskScheduler.Current);
            }
        }
    }

    /// <summary>
    /// The attempt was recorded as running but could not be set going: it goes back to pending as an interruption. Should
    /// the store refuse even that, the fold's reminder ends it later; the first error is the one the caller hears.
    /// </summary>
    private async Task GiveBackUnstartedAsync(FoldAttemptKey key, Exception error)
    {
        try
        {
            var next = await store.EndAttemptAsync(FoldId, key.Attempt, AttemptEnd.Interrupted, $"could not start on silo {silo.Name}: {error.Message}");
            await events.RecordAsync(key, FoldEventKinds.Interrupted, $"could not start: {error.Message}; the fold is {next}");
            DeactivateOnIdle();
        }
        catch (Exception e)
        {
            log.LogWarning("{Attempt}: could not start ({Error}), nor be given back ({GiveBackError}); its reminder will", key, error.Message, e.Message);
        }
    }

    /// <summary>
    /// The store says an attempt is running, but no silo runs it any more: it is counted as an interruption (the fold's
    /// own work did not fail), and the fold resumes from its checkpoint unless it was interrupted too often.
    /// </summary>
    private async Task<FoldRecord> EndLostAttemptAsync(FoldRecord record)
    {
        var trial = await store.TrialAsync(record.TrialId);
        var error = $"silo {record.Silo} died during attempt {record.Attempt}";
        // The store ends an attempt once: whoever noticed first (the sweep, the fold's reminder, a new start) counts the failover.
        if (await store.EndAttemptAsync(FoldId, record.Attempt, AttemptEnd.Interrupted, error) is not { } next)
            return await store.FoldAsync(FoldId) ?? record;
        MerMetrics.Error(MerMetrics.ErrorKinds.SiloLost);
        MerMetrics.FailedOver();
        log.LogWarning("fold {Fold} ({Subject}): {Error}; the fold is {State}", FoldId, record.HeldOutSubject, error, next);
        await events.RecordAsync(new FoldAttemptKey(trial.SweepId, record.TrialId, FoldId, record.HeldOutSubject, record.Attempt, record.Silo ?? "?"),
            FoldEventKinds.Interrupted, $"{error}; the fold is {next}", state.State.Attempt == record.Attempt ? state.State.Device : null);
        if (next == FoldStates.Failed)
            await GrainFactory.GetGrain<ITrialGrain>(record.TrialId).Recompute();
        state.State.State = next;
        state.State.LastError = error;
        await EndAsync(next, trial.SweepId);
        return await store.FoldAsync(FoldId) ?? record;
    }

    private async Task EndAsync(string next, string sweepId, bool keepWatching = false)
    {
        state.State.State = next;
        state.State.Silo = null;
        state.State.Device = null;
        await state.WriteStateAsync();
        try
        {
            await GrainFactory.GetGrain<ISlotBoardGrain>(SlotBoardGrain.Key).Release(FoldId);
        }
        catch (Exception e) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Every silo may be stopping, leaving the board nowhere to live; it forgets a dead silo's holds anyway.
            log.LogDebug("fold {Fold}: the slot board is gone with the stopping cluster ({Error})", FoldId, e.Message);
        }
        if (!keepWatching)
            await UnwatchAsync();
        GrainFactory.GetGrain<ISweepGrain>(sweepId).FoldEnded(FoldId, next).Ignore();
        DeactivateOnIdle();
    }

    private async Task UnwatchAsync()
    {
        if (await this.GetReminder(WatchReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
    }

    /// <summary>One attempt in flight on this silo.</summary>
    private sealed class Attempt(FoldAttemptKey key, Slot slot, string holder, IFoldGrain self)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly long _started = Stopwatch.GetTimestamp();

        public FoldAttemptKey Key => key;
        public string Holder => holder;
        public string Device => slot.Device;
        public IGrainTimer? Timer { get; set; }
        public Task<IReadOnlyList<SamplePrediction>> Work { get; private set; } = Task.FromResult<IReadOnlyList<SamplePrediction>>([]);
        public bool Cancelled { get; private set; }
        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);
        private long _progress;

        /// <summary>The last finished epoch and the attempt's epochs, as the trainer reported them.</summary>
        public (int Epoch, int Epochs) Progress
        {
            get
            {
                var packed = Interlocked.Read(ref _progress);
                return ((int)(packed >> 32), (int)(packed & 0xFFFF_FFFF));
            }
        }

        public void Run(FoldExecutor executor, ILogger log)
        {
            Work = Task.Run(() => executor.RunAsync(key, slot.Device, slot.Threads, _stop.Token,
                (epoch, epochs) => Interlocked.Exchange(ref _progress, ((long)epoch << 32) | (uint)epochs)));
            // The report goes through the grain's mailbox, so Finish runs on the grain's scheduler like every other call.
            Work.ContinueWith(async _ =>
            {
                if (_stop.IsCancellationRequested && !Cancelled)
                    return;
                try
                {
                    await self.Finish(key.Attempt);
                }
                catch (Exception e)
                {
                    log.LogWarning("{Attempt}: cannot report its end ({Error}); its reminder will", key, e.Message);
                }
            }, TaskScheduler.Default);
        }

        public void Cancel(bool cancelled)
        {
            Cancelled = cancelled;
            _stop.Cancel();
        }
    }
}

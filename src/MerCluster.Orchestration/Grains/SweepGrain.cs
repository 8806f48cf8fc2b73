using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Store;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Utilities;

using MerCluster.Orchestration.Cluster;

namespace MerCluster.Orchestration.Grains;

/// <summary>
/// One sweep, keyed by its id: writes the grid's trials and folds to the store once (submitting the same sweep again
/// changes nothing, which is how a stopped sweep resumes), then dispatches its pending folds as device slots free up,
/// each to a silo with a free slot reserved on the <see cref="ISlotBoardGrain"/>. It watches where its folds run: a
/// fold whose silo left the cluster is recovered at once (its attempt counted as an interruption) and started elsewhere. Observers hear
/// of every change; a reminder brings the sweep back on another silo if its own dies, and it carries on from the store.
/// </summary>
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>Starts (or resumes) the sweep; the plan's id must be this grain's key.</summary>
    Task<SweepStatus> Start(SweepPlan plan);

    Task<SweepStatus> Status();

    /// <summary>Fails the pending folds with "cancelled" and stops the running ones; finished folds keep their results.</summary>
    Task<SweepStatus> Cancel();

    /// <summary>One of this sweep's folds ended an attempt (done, failed, or back to pending).</summary>
    [OneWay]
    Task FoldEnded(long foldId, string state);

    /// <summary>Subscribes an observer for <see cref="ObserverLease"/>; subscribe again before it lapses to keep hearing.</summary>
    Task Subscribe(ISweepObserver observer);

    Task Unsubscribe(ISweepObserver observer);
}

[GenerateSerializer]
public sealed record SweepGrainState
{
    [Id(0)] public bool Started { get; set; }
}

public sealed class SweepGrain(
    [PersistentState("sweep", StoreClusterExtensions.StorageName)] IPersistentState<SweepGrainState> state,
    CoordinationStore store, IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<SweepGrain> log) : Grain, ISweepGrain, IRemindable
{
    /// <summary>How long an observer subscription lasts without renewal.</summary>
    public static readonly TimeSpan ObserverLease = TimeSpan.FromMinutes(1);

    /// <summary>How often the sweep looks for free slots and for folds whose silo died.</summary>
    public static readonly TimeSpan DispatchPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How often the sweep re-reads its folds from the store, in case a fold's report of its end was lost with its silo.</summary>
    public static readonly TimeSpan ReconcilePeriod = TimeSpan.FromSeconds(30);

    private const string WatchReminder = "watch";
    private readonly ObserverManager<ISweepObserver> _observers = new(ObserverLease, log);
    private Dictionary<long, FoldRecord> _folds = [];
    private IReadOnlyList<TrialRecord> _trials = [];
    private string _state = SweepStates.Running;
    private IGrainTimer? _timer;
    private DateTime _reconciledAt;
    private bool _dispatching;

    private string SweepId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Started)
            await ResumeAsync();
    }

    public async Task<SweepStatus> Start(SweepPlan plan)
    {
        if (plan.Id != SweepId)
            throw new ArgumentException($"sweep plan {plan.Id} sent to the grain of sweep {SweepId}");
        if (!await store.CreateSweepAsync(plan) && await store.FindSweepAsync(plan.Id) is { } stored
            && (stored.Yaml != plan.Yaml || stored.SamplesJson != plan.SamplesJson || stored.MaxAttempts != plan.MaxAttempts || stored.MaxInterruptions != plan.MaxInterruptions))
            throw new ArgumentException($"sweep {plan.Id} was already submitted with a different definition; give the sweep another name");
        if (!state.State.Started)
        {
            state.State.Started = true;
            await state.WriteStateAsync();
        }
        await ResumeAsync();
        return await Status();
    }

    public async Task<SweepStatus> Status()
    {
        var results = _trials.Count == 0 ? [] : await store.TrialResultsAsync(SweepId);
        var trials = _trials.Select(t =>
        {
            var folds = _folds.Values.Where(f => f.TrialId == t.Id).ToList();
            var overall = results.FirstOrDefault(r => r.TrialId == t.Id && r.Part == TrialAggregator.OverallPart);
            return new TrialStatus(t.Id, t.Label, Count(folds, FoldStates.Pending), Count(folds, FoldStates.Running), Count(folds, FoldStates.Done),
                Count(folds, FoldStates.Failed), overall?.Uf1, overall?.Uar);
        }).ToList();
        return new SweepStatus(SweepId, _state, trials, _trials.Count == 0 ? null : await store.MeanFoldSecondsAsync(SweepId), silo.Name);

        static int Count(List<FoldRecord> folds, string state) => folds.Count(f => f.State == state);
    }

    public async Task<SweepStatus> Cancel()
    {
        if (!state.State.Started)
            throw new InvalidOperationException($"sweep {SweepId} was never started");
        await store.CancelSweepAsync(SweepId);
        foreach (var fold in _folds.Values.Where(f => f.State == FoldStates.Running))
            await GrainFactory.GetGrain<IFoldGrain>(fold.Id).Cancel();
        await ReloadAsync();
        await PublishAsync();
        return await Status();
    }

    public async Task FoldEnded(long foldId, string foldState)
    {
        if (_folds.TryGetValue(foldId, out var fold))
            _folds[foldId] = fold with { State = foldState };
        await DispatchAsync();
        await PublishAsync();
    }

    public Task Subscribe(ISweepObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ISweepObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private async Task ResumeAsync()
    {
        await ReloadAsync();
        if (_state != SweepStates.Running)
        {
            await StopWatchingAsync();
            return;
        }
        // The reminder brings this grain back (and with it the dispatching) if its silo dies; the timer keeps it active.
        await this.RegisterOrUpdateReminder(WatchReminder, FoldGrain.WatchPeriod, FoldGrain.WatchPeriod);
        // The trials' aggregators come up beside this grain (they prefer the caller's silo).
        foreach (var trial in _trials)
            await GrainFactory.GetGrain<ITrialGrain>(trial.Id).Scores();
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, DispatchPeriod) { KeepAlive = true });
    }

    private async Task ReloadAsync()
    {
        var record = await store.FindSweepAsync(SweepId) ?? throw new InvalidOperationException($"sweep {SweepId} is not in the store {store.Location}");
        _state = record.State;
        _trials = await store.TrialsAsync(SweepId);
        _folds = (await store.SweepFoldsAsync(SweepId)).ToDictionary(f => f.Id);
        _reconciledAt = DateTime.UtcNow;
    }

    private async Task TickAsync()
    {
        if (DateTime.UtcNow - _reconciledAt > ReconcilePeriod)
            await ReloadAsync();
        await RecoverLostFoldsAsync();
        await DispatchAsync();
    }

    /// <summary>Folds running on a silo that is no longer active: their attempt is lost, so they start again elsewhere.</summary>
    private async Task RecoverLostFoldsAsync()
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet();
        foreach (var fold in _folds.Values.Where(f => f.State == FoldStates.Running && (f.Silo is null || !active.Contains(f.Silo))).ToList())
        {
            log.LogWarning("sweep {Sweep}: fold {Subject} was running on silo {Silo}, which left the cluster; starting it elsewhere", SweepId, fold.HeldOutSubject, fold.Silo);
            await GrainFactory.GetGrain<IFoldGrain>(fold.Id).Recover();
            _folds[fold.Id] = await store.FoldAsync(fold.Id) ?? fold;
        }
    }

    /// <summary>Starts pending folds, in fold order, while the board has free slots.</summary>
    private async Task DispatchAsync()
    {
        if (_dispatching || _state != SweepStates.Running)
            return;
        _dispatching = true;
        try
        {
            var board = GrainFactory.GetGrain<ISlotBoardGrain>(SlotBoardGrain.Key);
            foreach (var fold in _folds.Values.Where(f => f.State == FoldStates.Pending).OrderBy(f => f.Id).ToList())
            {
                if (await board.Reserve(fold.Id) is not { } silo)
                    break;
                RequestContext.Set(FreeSlotPlacement.ReservedSilo, silo.ToParsableString());
                FoldStart started;
                try
                {
                    started = await GrainFactory.GetGrain<IFoldGrain>(fold.Id).Start();
                }
                finally
                {
                    RequestContext.Remove(FreeSlotPlacement.ReservedSilo);
                }
                if (started == FoldStart.NoSlot)
                {
                    log.LogWarning("sweep {Sweep}: fold {Subject} found no free slot on the silo reserved for it ({Silo}); it waits", SweepId, fold.HeldOutSubject, silo);
                    await board.Release(fold.Id);
                    break;
                }
                _folds[fold.Id] = await store.FoldAsync(fold.Id) ?? fold;
            }
            await FinishIfDoneAsync();
        }
        finally
        {
            _dispatching = false;
        }
    }

    private async Task FinishIfDoneAsync()
    {
        if (_folds.Values.Any(f => f.State is FoldStates.Pending or FoldStates.Running))
            return;
        // Every fold is done or failed: the last aggregation marked the sweep complete.
        var record = await store.FindSweepAsync(SweepId);
        _state = record?.State == SweepStates.Running ? SweepStates.Complete : record?.State ?? SweepStates.Complete;
        await StopWatchingAsync();
    }

    private async Task StopWatchingAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (await this.GetReminder(WatchReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
    }

    private async Task PublishAsync()
    {
        if (_observers.Count == 0)
            return;
        var status = await Status();
        _observers.Notify(o => o.Changed(status));
    }
}

using MerCluster.Orchestration.Grains;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// Follows a running sweep as it happens: an observer subscribed to its grain hears every fold's end. The subscription
/// is renewed (and the status read once) every <see cref="Renewal"/>, well inside the grain's observer lease, so a
/// notification lost with a silo is made up within one renewal.
/// </summary>
public sealed class SweepFollower : ISweepObserver, IAsyncDisposable
{
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(20);

    private readonly ISweepGrain _sweep;
    private readonly ISweepObserver _reference;
    private readonly IGrainFactory _grains;
    private readonly TaskCompletionSource<SweepStatus> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    private SweepFollower(IGrainFactory grains, string sweepId, SweepStatus? first)
    {
        _grains = grains;
        _sweep = grains.GetGrain<ISweepGrain>(sweepId);
        _reference = grains.CreateObjectReference<ISweepObserver>(this);
        if (first is not null)
            Changed(first);
        _renewing = Task.Run(RenewAsync);
    }

    public static async Task<SweepFollower> StartAsync(IGrainFactory grains, string sweepId, Action<SweepStatus>? changed = null)
    {
        var follower = new SweepFollower(grains, sweepId, null);
        if (changed is not null)
            follower.StatusChanged += changed;
        await follower._sweep.Subscribe(follower._reference);
        follower.Changed(await follower._sweep.Status());
        return follower;
    }

    /// <summary>The latest status heard.</summary>
    public SweepStatus? Latest { get; private set; }

    public event Action<SweepStatus>? StatusChanged;

    /// <summary>Completes with the sweep's last status once every fold is done or failed (or the sweep was cancelled).</summary>
    public Task<SweepStatus> Finished => _finished.Task;

    public void Changed(SweepStatus status)
    {
        lock (_finished)
        {
            Latest = status;
        }
        StatusChanged?.Invoke(status);
        if (status.Finished)
            _finished.TrySetResult(status);
    }

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(Renewal);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await _sweep.Subscribe(_reference);
                    Changed(await _sweep.Status());
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The sweep's silo is gone for the moment; its grain comes back elsewhere and the next renewal finds it.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        try
        {
            await _sweep.Unsubscribe(_reference);
        }
        catch (Exception)
        {
        }
        _grains.DeleteObjectReference<ISweepObserver>(_reference);
        _stop.Dispose();
    }
}

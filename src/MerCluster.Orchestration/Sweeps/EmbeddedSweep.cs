using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Workers;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// `mer sweep run`: a sweep on this machine with N in-process workers over one store (by default the local SQLite
/// file). Re-running after a crash submits nothing new, ends the dead run's leases and takes up the remaining folds.
/// </summary>
public sealed class EmbeddedSweep(CoordinationStore store, SweepDefinition definition, FoldRunners runners, Action<string>? log = null, string? cacheRoot = null)
{
    /// <summary>
    /// How often an idle in-process worker looks again while its siblings finish the last folds: short, because the
    /// sweep ends only when they are done and a claim on the local store costs about a millisecond.
    /// </summary>
    public static readonly TimeSpan IdlePollInterval = TimeSpan.FromMilliseconds(100);

    private readonly FeatureSetCache _features = new();

    public SubmittedSweep? Submitted { get; private set; }

    public IReadOnlyList<Worker> Workers { get; private set; } = [];

    /// <summary>Submits (or finds) the sweep and runs it with <paramref name="workers"/> workers until every fold is done or failed, or <paramref name="stopping"/> fires.</summary>
    public async Task<SubmittedSweep> RunAsync(int workers, string device, CancellationToken stopping)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var prepared = await SweepFeatures.PrepareAsync(store, definition, cacheRoot ?? SweepFeatures.DefaultCacheRoot, log, cancellationToken: stopping);
        var submitted = await SweepSubmitter.SubmitAsync(store, prepared, _features, stopping);
        Submitted = submitted;
        var recovered = await LocalWorkerRecovery.ExpireDeadLocalWorkersAsync(store, stopping);
        if (recovered.Count > 0)
            log?.Invoke($"ended the leases of {recovered.Count} dead local worker(s): {string.Join(", ", recovered)}");
        var sweeps = new SweepContexts(store);
        Workers = Enumerable.Range(1, workers).Select(i => new Worker(store, new WorkerOptions
        {
            Name = WorkerOptions.DefaultName(device, i),
            Device = device,
            Threads = Math.Max(1, Environment.ProcessorCount / workers),
            Lease = prepared.Options.Leasing,
            ExitWhenIdle = true,
            SweepId = submitted.Id,
            PollInterval = IdlePollInterval,
            Checkpoints = Path.Combine(cacheRoot ?? SweepFeatures.DefaultCacheRoot, "checkpoints"),
        }, runners, sweeps, _features, log)).ToList();
        await Task.WhenAll(Workers.Select(w => Task.Run(() => w.RunAsync(stopping), CancellationToken.None)));
        return submitted;
    }
}

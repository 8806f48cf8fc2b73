using System.Data.Common;
using System.Diagnostics;
using MerCluster.Core.Features;
using MerCluster.Core.Telemetry;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Workers;

/// <summary>
/// A worker: registers in the membership table, then pulls folds one at a time (work stealing: whoever is free takes
/// the next pending fold), renews the lease while the fold runs, writes the predictions and the done mark in one
/// transaction, and has the trial's aggregate recomputed. Asked to stop, it lets a runner that honours cancellation
/// stop and gives the fold back (not counted as a failure), or else finishes the fold first.
/// </summary>
public sealed class Worker(CoordinationStore store, WorkerOptions options, FoldRunners runners, SweepContexts sweeps, FeatureSetCache features, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    public WorkerOptions Options => options;

    public int FoldsDone { get; private set; }

    public int FoldsFailed { get; private set; }

    public int FoldsReleased { get; private set; }

    public async Task RunAsync(CancellationToken stopping)
    {
        await store.RegisterWorkerAsync(options.Name, Environment.MachineName, Environment.ProcessId, options.Device, CancellationToken.None);
        _log($"worker {options.Name} on {options.Device} pulling folds from {store.Location}");
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                ClaimResult claim;
                try
                {
                    claim = await store.ClaimAsync(options.Name, options.Lease.LeaseDuration, options.SweepId, CancellationToken.None);
                }
                catch (DbException e)
                {
                    MerMetrics.Error("store_unreachable");
                    _log($"worker {options.Name}: cannot claim a fold ({e.Message}); retrying");
                    await Pause(options.PollInterval, stopping);
                    continue;
                }
                foreach (var expired in claim.Expired)
                {
                    _log($"worker {options.Name}: the lease on fold {expired.Id} (attempt {expired.Attempt}) expired; fold is {expired.State}");
                    if (expired.State == FoldStates.Failed)
                        await AggregateAsync(await TrialSweepAsync(expired.TrialId), expired.TrialId);
                }
                if (claim.Lease is { } lease)
                {
                    await RunFoldAsync(lease, stopping);
                    continue;
                }
                if (options.ExitWhenIdle && !await store.HasOpenFoldsAsync(options.SweepId, CancellationToken.None))
                    break;
                await store.HeartbeatAsync(options.Name, CancellationToken.None);
                await Pause(options.PollInterval, stopping);
            }
        }
        finally
        {
            await store.MarkWorkerStoppedAsync(options.Name, CancellationToken.None);
        }
    }

    private async Task RunFoldAsync(FoldLease lease, CancellationToken stopping)
    {
        using var foldCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var renewalStop = new CancellationTokenSource();
        var leaseLost = false;
        var started = Stopwatch.GetTimestamp();
        var renewal = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(options.Lease.HeartbeatInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(renewalStop.Token))
                {
                    try
                    {
                        await store.HeartbeatAsync(options.Name, renewalStop.Token);
                        if (await store.RenewAsync(lease, options.Lease.LeaseDuration, renewalStop.Token))
                            continue;
                        leaseLost = true;
                        MerMetrics.Error("lease_lost");
                        _log($"worker {options.Name}: lost the lease on {lease}; abandoning it");
                        await foldCancellation.CancelAsync();
                        return;
                    }
                    catch (DbException e)
                    {
                        MerMetrics.Error("store_unreachable");
                        _log($"worker {options.Name}: cannot renew the lease on {lease} ({e.Message}); retrying");
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        try
        {
            var job = await PrepareAsync(lease);
            var predictions = await runners.For(job.Options.ModelName).RunAsync(job, foldCancellation.Token);
            await StopRenewal();
            if (await store.CompleteAsync(lease, predictions, CancellationToken.None))
            {
                FoldsDone++;
                if (job.Checkpoint is not null && File.Exists(job.Checkpoint))
                    File.Delete(job.Checkpoint);
                MerMetrics.FoldFinished(lease.SweepId, lease.TrialId, FoldStates.Done, Stopwatch.GetElapsedTime(started));
                await AggregateAsync(await sweeps.GetAsync(lease.SweepId), lease.TrialId, lease.HeldOutSubject);
            }
            else
                _log($"worker {options.Name}: {lease} was taken over before it finished; its result is discarded");
        }
        catch (OperationCanceledException) when (foldCancellation.IsCancellationRequested)
        {
            await StopRenewal();
            if (!leaseLost && await store.ReleaseAsync(lease, $"worker {options.Name} stopped", CancellationToken.None))
            {
                FoldsReleased++;
                MerMetrics.FoldFinished(lease.SweepId, lease.TrialId, "released", Stopwatch.GetElapsedTime(started));
                _log($"worker {options.Name}: stopped; gave {lease} back");
            }
        }
        catch (Exception e)
        {
            await StopRenewal();
            var error = $"{e.GetType().Name}: {e.Message}";
            var state = await store.FailAsync(lease, error, CancellationToken.None);
            MerMetrics.Error("fold_failed");
            MerMetrics.FoldFinished(lease.SweepId, lease.TrialId, FoldStates.Failed, Stopwatch.GetElapsedTime(started));
            _log($"worker {options.Name}: {lease} failed ({error}); fold is {state ?? "no longer ours"}");
            if (state == FoldStates.Failed)
            {
                FoldsFailed++;
                await AggregateAsync(await sweeps.GetAsync(lease.SweepId), lease.TrialId);
            }
        }

        async Task StopRenewal()
        {
            await renewalStop.CancelAsync();
            await renewal;
        }
    }

    private async Task<FoldJob> PrepareAsync(FoldLease lease)
    {
        var sweep = await sweeps.GetAsync(lease.SweepId);
        var trial = sweep.GridTrial(lease.TrialId);
        var trialOptions = sweep.Definition.TrialOptions(trial);
        var featureSet = LoadFeatures(sweep, trialOptions);
        // The protocol is rebuilt over the loaded features so the fold's rows index them.
        var protocol = Core.Protocols.EvaluationProtocols.Create(trialOptions.Protocol, featureSet.Samples);
        var fold = protocol.Fold(lease.HeldOutSubject);
        var checkpoint = options.Checkpoints is null
            ? null
            : Path.Combine(options.Checkpoints, lease.SweepId, $"trial-{lease.TrialId}", lease.HeldOutSubject.Replace('/', '_') + ".ckpt");
        return new FoldJob(lease, trialOptions, $"{sweep.Definition.Source} ({trial.Label})", featureSet, protocol, fold, options.Device, options.Threads,
            checkpoint, message => _log($"worker {options.Name}: {lease}: {message}"));
    }

    private FeatureSet LoadFeatures(SweepContext sweep, SweepOptions trialOptions) =>
        features.Get(sweep.Definition.ResolvePath(trialOptions.Features!));

    private async Task<SweepContext> TrialSweepAsync(long trialId) =>
        await sweeps.GetAsync((await store.TrialAsync(trialId)).SweepId);

    private async Task AggregateAsync(SweepContext sweep, long trialId, string? fold = null)
    {
        try
        {
            await TrialAggregator.RecomputeAsync(store, sweep, trialId, fold);
        }
        catch (Exception e) when (e is DbException or ArgumentException)
        {
            MerMetrics.Error("aggregation_failed");
            // The aggregate is recomputed after every fold and by `mer report`, so one failed recomputation loses nothing.
            _log($"worker {options.Name}: cannot aggregate trial {trialId}: {e.Message}");
        }
    }

    private static async Task Pause(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

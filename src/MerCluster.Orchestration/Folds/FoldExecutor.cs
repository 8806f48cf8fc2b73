using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// Runs one attempt of a fold on a silo: rebuilds the trial's options from the stored sweep, loads the sweep's features
/// (once per silo), splits them by the protocol, and trains with the model's runner on the slot's device. With an
/// artifact store, the fold keeps its training checkpoint there (<see cref="FoldCheckpoint"/>), so an attempt on another
/// silo resumes where the last one checkpointed. It tells the attempt's part of the fold's story (<see cref="FoldEvents"/>):
/// started, resumed at an epoch, checkpoints.
/// </summary>
public sealed class FoldExecutor(SweepContexts sweeps, FeatureSetCache features, FoldRunners runners, Features.SiloArtifacts? artifacts, Grains.SiloLog log,
    FoldEvents events)
{
    public SweepContexts Sweeps => sweeps;

    public async Task<IReadOnlyList<SamplePrediction>> RunAsync(FoldAttemptKey attempt, string device, int threads, CancellationToken cancellationToken,
        Action<int, int>? epochs = null)
    {
        // The trainer reports an epoch before it checkpoints it, so the last epoch reported is the one a checkpoint holds.
        var epoch = 0;
        var job = await PrepareAsync(attempt, device, threads) with
        {
            Epochs = (reached, of) =>
            {
                Volatile.Write(ref epoch, reached);
                epochs?.Invoke(reached, of);
            },
        };
        var checkpoint = artifacts is null ? null : new FoldCheckpoint(artifacts, attempt, job.Log);
        try
        {
            if (checkpoint is not null)
                await Task.Run(() => checkpoint.Fetch(cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Artifacts.ArtifactStoreException)
        {
            // A scratch folder or store that cannot be used costs the ability to resume, not the fold.
            job.Log?.Invoke($"cannot keep a checkpoint at {checkpoint!.Location} ({e.Message}); training without one");
            checkpoint = null;
        }
        if (checkpoint is not null)
        {
            var told = DateTime.MinValue;
            job = job with
            {
                Checkpoint = checkpoint.LocalPath,
                CheckpointLocation = checkpoint.Location,
                CheckpointSaved = path =>
                {
                    checkpoint.Saved(path);
                    if (DateTime.UtcNow - told < FoldEvents.CheckpointPeriod)
                        return;
                    told = DateTime.UtcNow;
                    // Not awaited: the training thread does not wait on the store.
                    _ = events.RecordAsync(attempt, FoldEventKinds.Checkpoint, checkpoint.Location, device, Volatile.Read(ref epoch));
                },
                Resumed = at =>
                {
                    job.Log?.Invoke($"resumed from {checkpoint.Location} at epoch {at}");
                    _ = events.RecordAsync(attempt, FoldEventKinds.Resumed, checkpoint.Location, device, at);
                },
            };
        }
        // Not awaited either: the story never holds up the fold (a stop asked for now should find it training).
        _ = events.RecordAsync(attempt, FoldEventKinds.Started, $"{job.Options.ModelName} on {job.Fold.TrainRows.Count} training samples", device);
        var predictions = await runners.For(job.Options.ModelName).RunAsync(job, cancellationToken);
        if (checkpoint is not null)
            await Task.Run(checkpoint.Remove, CancellationToken.None);
        return predictions;
    }

    private async Task<FoldJob> PrepareAsync(FoldAttemptKey attempt, string device, int threads)
    {
        var sweep = await sweeps.GetAsync(attempt.SweepId);
        var trial = sweep.GridTrial(attempt.TrialId);
        var trialOptions = sweep.Definition.TrialOptions(trial);
        var featureSet = features.Get(sweep.Definition.ResolvePath(trialOptions.Features!));
        // The protocol is rebuilt over the loaded features so the fold's rows index them.
        var protocol = Core.Protocols.EvaluationProtocols.Create(trialOptions.Protocol, featureSet.Samples);
        var fold = protocol.Fold(attempt.HeldOutSubject);
        return new FoldJob(attempt, trialOptions, $"{sweep.Definition.Source} ({trial.Label})", featureSet, protocol, fold, device, threads,
            Log: message => log.Write($"{attempt}: {message}"));
    }
}

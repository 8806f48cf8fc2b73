using MerCluster.Core.Configuration;
using MerCluster.Core.Metrics;
using MerCluster.Core.Telemetry;
using MerCluster.Training;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// The real fold: binds the trial's <c>model:</c> and <c>train:</c> sections, trains the registry model with the
/// training core on the fold's training subjects on the slot's device, and predicts the held-out subject. With a
/// checkpoint path the fold saves its training every <c>train.checkpoint_every</c> epochs (every epoch when unset) and
/// resumes from what an earlier attempt saved there; a checkpoint there that cannot resume (left by another build of the
/// model, or unreadable) is deleted and the fold trains from the start, logged, instead of failing every attempt.
/// Starting weights or a checkpoint trained on the held-out subject fail the fold (a leak across the LOSO split); ones
/// that record no training subjects train, logged.
/// </summary>
public sealed class TrainingFoldRunner : IFoldRunner
{
    public Task<IReadOnlyList<SamplePrediction>> RunAsync(FoldJob job, CancellationToken cancellationToken)
    {
        var model = YamlOptions.Bind<ModelOptions>(job.Options.Model, job.OptionsSource, "model");
        var train = YamlOptions.Bind<TrainOptions>(job.Options.Train, job.OptionsSource, "train") with { Device = job.Device };
        if (job.Threads > 0)
            train = train with { Threads = job.Threads };
        var checkpoint = job.Checkpoint;
        if (checkpoint is not null && train.CheckpointEvery == 0)
            train = train with { CheckpointEvery = 1 };
        var config = new TrainingConfig { Model = model, Train = train };
        // Training blocks its thread: run it on the pool, off the grain scheduler.
        return Task.Run(() =>
        {
            var progress = job.Epochs is { } epochs ? new EpochReporter(epochs) : null;
            var result = Trainer.TrainFold(config, job.Features, job.Fold, progress, cancellation: cancellationToken, checkpointPath: checkpoint,
                discardUnusableCheckpoint: true, checkpointSaved: checkpoint is null ? null : job.CheckpointSaved, resumed: job.Resumed);
            // Messages name the checkpoint where it is kept (the artifact store), not the local copy trained from.
            var location = job.CheckpointLocation ?? checkpoint;
            if (result.DiscardedCheckpoint is { } why)
                job.Log?.Invoke($"discarded a checkpoint that cannot resume this fold and trained from the start: {(checkpoint is null ? why : why.Replace(checkpoint, location))}");
            if (result.SubjectsUnknown is { } unknown)
                job.Log?.Invoke(checkpoint is null ? unknown : unknown.Replace(checkpoint, location));
            MerMetrics.Trained(job.Attempt.Silo, job.Device, (long)job.Fold.TrainRows.Count * result.Epochs, result.Epochs);
            return result.Predictions;
        }, cancellationToken);
    }

    /// <summary>Passes each finished epoch on at once, on the training thread (<see cref="Progress{T}"/> would post it to a context).</summary>
    private sealed class EpochReporter(Action<int, int> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value.Epoch, value.Epochs);
    }
}

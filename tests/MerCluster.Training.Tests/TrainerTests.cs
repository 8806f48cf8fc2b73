using MerCluster.Core.Features;

namespace MerCluster.Training.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trainer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Recorder : IProgress<EpochProgress>
    {
        public List<EpochProgress> Epochs { get; } = [];
        public void Report(EpochProgress value) => Epochs.Add(value);
    }

    private static int[] Predicted(float[][] probabilities) =>
        probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();

    [Theory]
    [InlineData("ststnet", 28, "flow_uvs")]
    [InlineData("mjfn", 224, "flow_image")]
    public void One_step_lowers_the_loss_on_a_fixed_batch(string model, int size, string input)
    {
        var batch = Synthetic.Separable(1, 6, size: size, input: input);
        var options = new ModelOptions { Name = model, Settings = new Dictionary<string, string> { ["dropout"] = "0" } };
        using var trainer = Trainer.Create(options, new TrainOptions { Epochs = 2, BatchSize = 6, LearningRate = 1e-3, Threads = 1 });
        var progress = new Recorder();
        trainer.Fit(batch, progress);
        // One batch per epoch: epoch 2's loss is the same batch's loss after epoch 1's single step.
        Assert.Equal(2, progress.Epochs.Count);
        Assert.True(progress.Epochs[1].Loss < progress.Epochs[0].Loss, $"{progress.Epochs[0].Loss} -> {progress.Epochs[1].Loss}");
    }

    [Fact]
    public void Ststnet_fits_a_trivially_separable_set_to_full_training_accuracy()
    {
        var set = Synthetic.Separable(4, 15);
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 15, batch: 16, learningRate: 1e-2));
        trainer.Fit(set);
        Assert.Equal(set.LabelIndices().Select(l => (int)l), Predicted(trainer.Predict(set)));
    }

    [Fact]
    public void Progress_reports_every_epoch_with_loss_and_speed()
    {
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 3));
        var progress = new Recorder();
        var loss = trainer.Fit(Synthetic.Separable(2, 12), progress);
        Assert.Equal([1, 2, 3], progress.Epochs.Select(e => e.Epoch));
        Assert.All(progress.Epochs, e => Assert.True(e.Epochs == 3 && double.IsFinite(e.Loss) && e.SamplesPerSecond > 0));
        Assert.Equal(progress.Epochs[^1].Loss, loss);
        Assert.Equal(3, trainer.Epoch);
    }

    [Fact]
    public void The_same_seed_and_threads_give_identical_predictions_and_another_seed_does_not()
    {
        var set = Synthetic.Separable(2, 12);
        var augmented = Synthetic.Fast(epochs: 3) with { RotationDegrees = 10, HorizontalFlip = true, ScaleJitter = 0.1, ClassBalanced = true };
        float[][] Run(TrainOptions options)
        {
            using var trainer = Trainer.Create(Synthetic.Ststnet(), options);
            trainer.Fit(set);
            return trainer.Predict(set);
        }
        var first = Run(augmented);
        Assert.Equal(first, Run(augmented));
        Assert.NotEqual(first, Run(augmented with { Seed = 4 }));
    }

    [Fact]
    public void Augmentation_changes_what_the_model_sees()
    {
        var set = Synthetic.Separable(2, 12);
        float[][] Run(TrainOptions options)
        {
            using var trainer = Trainer.Create(Synthetic.Ststnet(), options);
            trainer.Fit(set);
            return trainer.Predict(set);
        }
        var plain = Run(Synthetic.Fast(epochs: 2));
        Assert.NotEqual(plain, Run(Synthetic.Fast(epochs: 2) with { RotationDegrees = 10 }));
        Assert.NotEqual(plain, Run(Synthetic.Fast(epochs: 2) with { HorizontalFlip = true }));
        Assert.NotEqual(plain, Run(Synthetic.Fast(epochs: 2) with { ScaleJitter = 0.1 }));
    }

    [Fact]
    public void Class_balanced_sampling_shows_the_minority_classes_more_often()
    {
        // 10 negatives per positive and per surprise: the minority classes are learned faster when balanced.
        var all = Synthetic.Separable(4, 30);
        var kept = 0;
        var set = all.Where(s => s.Label == "negative" || kept++ % 10 == 0);
        double MinorityConfidence(bool balanced)
        {
            using var trainer = Trainer.Create(Synthetic.Ststnet(dropout: 0), Synthetic.Fast(epochs: 4, learningRate: 2e-3) with { ClassBalanced = balanced });
            trainer.Fit(set);
            var labels = set.LabelIndices();
            return trainer.Predict(set).Select((p, i) => (p, l: labels[i])).Where(x => x.l != 0).Average(x => x.p[x.l]);
        }
        Assert.True(MinorityConfidence(true) > MinorityConfidence(false) + 0.03);
    }

    [Fact]
    public void A_checkpoint_loads_back_to_identical_predictions_and_epoch()
    {
        var set = Synthetic.Separable(2, 12);
        var path = Path.Combine(_dir, "fold.ckpt");
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 2));
        trainer.Fit(set);
        trainer.Save(path);
        using var loaded = Trainer.Load(path);
        Assert.Equal(2, loaded.Epoch);
        Assert.Equal(trainer.Predict(set), loaded.Predict(set));
        Assert.Equal(trainer.Features(set), loaded.Features(set));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_continues_at_its_epoch_and_matches_training_straight_through()
    {
        var set = Synthetic.Separable(2, 12);
        var options = Synthetic.Fast(epochs: 4) with { Optimizer = "adamw", WeightDecay = 0.01, Schedule = "cosine", RotationDegrees = 5 };
        using var straight = Trainer.Create(Synthetic.Ststnet(), options);
        straight.Fit(set);

        // Interrupted after epoch 2 (a cancelled fit checkpoints its last complete epoch), then resumed.
        var path = Path.Combine(_dir, "half.ckpt");
        using (var cancel = new CancellationTokenSource())
        using (var first = Trainer.Create(Synthetic.Ststnet(), options))
            Assert.Throws<OperationCanceledException>(() => first.Fit(set, new Progress(e => { if (e.Epoch == 2) cancel.Cancel(); }), cancel.Token, path));
        using var resumed = Trainer.Load(path);
        Assert.Equal(2, resumed.Epoch);
        var progress = new Recorder();
        resumed.Fit(set, progress);
        Assert.Equal([3, 4], progress.Epochs.Select(e => e.Epoch));
        Assert.Equal(straight.Predict(set), resumed.Predict(set));
    }

    [Fact]
    public void Cancelling_stops_after_the_current_epoch_and_keeps_a_checkpoint_of_it()
    {
        var path = Path.Combine(_dir, "cancelled.ckpt");
        using var cancel = new CancellationTokenSource();
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 50, batch: 64));
        var progress = new Recorder();
        var stopper = new Progress(e => { progress.Report(e); cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(Synthetic.Separable(2, 12), stopper, cancel.Token, path));
        Assert.Single(progress.Epochs);
        using var saved = Trainer.Load(path);
        Assert.Equal(1, saved.Epoch);
    }

    private sealed class Progress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }

    [Fact]
    public void Checkpoints_are_written_every_n_epochs_while_training()
    {
        var path = Path.Combine(_dir, "periodic.ckpt");
        var epochsOnDisk = new List<int>();
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 4, batch: 64) with { CheckpointEvery = 2 });
        trainer.Fit(Synthetic.Separable(2, 6), new Progress(e =>
        {
            if (File.Exists(path))
                using (var saved = Trainer.Load(path))
                    epochsOnDisk.Add(saved.Epoch);
        }), checkpointPath: path);
        // Seen at the end of epochs 1..4: nothing yet, nothing, epoch 2, epoch 2; then the final save.
        Assert.Equal([2, 2], epochsOnDisk);
        using var final = Trainer.Load(path);
        Assert.Equal(4, final.Epoch);
    }

    [Fact]
    public void Features_are_the_penultimate_layer_one_row_per_sample()
    {
        var set = Synthetic.Separable(1, 5);
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast());
        var features = trainer.Features(set);
        Assert.Equal(5, features.Length);
        Assert.All(features, row => Assert.Equal(400, row.Length));
    }

    [Fact]
    public void A_class_whose_samples_all_weigh_zero_is_never_learned()
    {
        var set = Synthetic.Separable(2, 12);
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 10, learningRate: 1e-2));
        trainer.Fit(set, sampleWeights: set.LabelIndices().Select(l => l == 2 ? 0f : 1f).ToArray());
        var predicted = Predicted(trainer.Predict(set));
        Assert.DoesNotContain(2, predicted);
        Assert.Equal(set.LabelIndices().Where(l => l != 2).Select(l => (int)l), predicted.Where((_, i) => set.LabelIndices()[i] != 2));
    }
}

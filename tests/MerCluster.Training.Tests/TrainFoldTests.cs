namespace MerCluster.Training.Tests;

public sealed class TrainFoldTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fold-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingConfig Config(int epochs) => new() { Model = Synthetic.Ststnet(), Train = Synthetic.Fast(epochs: epochs, learningRate: 1e-2) };

    [Fact]
    public void A_fold_predicts_exactly_the_held_out_subjects_samples_with_class_names()
    {
        var set = Synthetic.Separable(4, 9);
        var fold = Folds.LeaveOut(set, "casme2/sub03");
        Assert.Equal(["casme2/sub01", "casme2/sub02", "casme2/sub04"], fold.TrainRows.Select(r => set.Samples[r].Subject).Distinct());
        var result = Trainer.TrainFold(Config(12), set, fold);
        Assert.Equal(set.Samples.Where(s => s.Subject == "casme2/sub03").Select(s => s.SampleId), result.Predictions.Select(p => p.SampleId));
        Assert.Equal(12, result.Epochs);
        Assert.All(result.Predictions, p => Assert.Equal(3, p.Probabilities.Count));
        // The classes are separable, so the unseen subject is classified correctly too.
        Assert.All(result.Predictions, p => Assert.Equal(p.Label, p.Predicted));
    }

    [Fact]
    public void A_fold_with_a_checkpoint_resumes_where_it_stopped_and_says_so_as_it_resumes()
    {
        var set = Synthetic.Separable(3, 6);
        var fold = Folds.LeaveOut(set, "casme2/sub01");
        var path = Path.Combine(_dir, "fold.ckpt");
        var heard = new List<int>();
        var straight = Trainer.TrainFold(Config(4), set, fold, resumed: heard.Add);
        using (var cancel = new CancellationTokenSource())
        {
            var stopAfterTwo = new Stopper(2, cancel);
            Assert.Throws<OperationCanceledException>(() => Trainer.TrainFold(Config(4), set, fold, stopAfterTwo, cancel.Token, path, resumed: heard.Add));
        }
        Assert.Empty(heard);
        var resumed = Trainer.TrainFold(Config(4), set, fold, checkpointPath: path, resumed: heard.Add);
        Assert.Equal(straight.Predictions.Select(p => p.Probabilities), resumed.Predictions.Select(p => p.Probabilities));
        Assert.Equal([2], heard);
    }

    [Fact]
    public void A_checkpoint_of_another_model_is_not_resumed_as_this_fold()
    {
        var set = Synthetic.Separable(2, 3);
        var path = Path.Combine(_dir, "other.ckpt");
        using (var mjfn = Trainer.Create(new ModelOptions { Name = "mjfn" }, new TrainOptions { Threads = 1 }))
            mjfn.Save(path);
        var error = Assert.Throws<TrainingException>(() => Trainer.TrainFold(Config(1), set, Folds.LeaveOut(set, "casme2/sub01"), checkpointPath: path));
        Assert.Contains("holds model 'mjfn'", error.Message);
    }

    [Theory]
    [InlineData("another model")]
    [InlineData("a torn file")]
    public void A_worker_discards_a_checkpoint_that_cannot_resume_and_trains_the_fold_from_the_start(string what)
    {
        // A worker's checkpoint folder can hold a file an older build of the model wrote (tensors this build lacks):
        // failing the fold on every attempt because of a stale cache would lose the fold; it is deleted instead.
        var set = Synthetic.Separable(3, 6);
        var fold = Folds.LeaveOut(set, "casme2/sub01");
        var path = Path.Combine(_dir, "stale.ckpt");
        if (what == "a torn file")
            File.WriteAllBytes(path, [1, 2, 3, 4]);
        else
            using (var mjfn = Trainer.Create(new ModelOptions { Name = "mjfn" }, new TrainOptions { Threads = 1 }))
                mjfn.Save(path);

        var straight = Trainer.TrainFold(Config(3), set, fold);
        var result = Trainer.TrainFold(Config(3), set, fold, checkpointPath: path, discardUnusableCheckpoint: true);
        Assert.Contains(path, result.DiscardedCheckpoint);
        Assert.Equal(0, result.ResumedEpoch);
        Assert.Equal(3, result.Epochs);
        Assert.Equal(straight.Predictions.Select(p => p.Probabilities), result.Predictions.Select(p => p.Probabilities));
        Assert.Null(straight.DiscardedCheckpoint);

        // Without the flag (a file the user named with `mer train --checkpoint`) it stays an error and the file stays.
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        var error = Assert.Throws<TrainingException>(() => Trainer.TrainFold(Config(3), set, fold, checkpointPath: path));
        Assert.Contains(path, error.Message);
        Assert.True(File.Exists(path));
    }

    private sealed class Stopper(int epoch, CancellationTokenSource cancel) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value)
        {
            if (value.Epoch == epoch)
                cancel.Cancel();
        }
    }

    [Fact]
    public void An_unknown_held_out_subject_is_an_error_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => Folds.LeaveOut(Synthetic.Separable(2, 3), "samm/999"));
        Assert.Contains("samm/999", error.Message);
    }
}

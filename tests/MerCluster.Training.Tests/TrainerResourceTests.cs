namespace MerCluster.Training.Tests;

/// <summary>What a long-running silo relies on: flat memory over many epochs, and trainers that do not disturb each other.</summary>
public sealed class TrainerResourceTests
{
    private static long ResidentBytes() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();

    /// <summary>
    /// Every 10 epochs: resident memory once the garbage collector has run and the tensors alive on the training thread.
    /// The collections stand for a long-running process's own: without them the managed garbage of a few hundred steps
    /// (tensor wrappers, far below one gen-0 budget) would grow the heap and hide what the process really keeps.
    /// </summary>
    private sealed class EveryTenEpochs : IProgress<EpochProgress>
    {
        public Dictionary<int, (long Resident, long LiveTensors)> Seen { get; } = [];

        public void Report(EpochProgress value)
        {
            if (value.Epoch % 10 != 0)
                return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Seen[value.Epoch] = (ResidentBytes(), TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void Two_hundred_epochs_keep_the_resident_memory_flat()
    {
        // 64 samples in batches of 16: 800 steps. A step whose tensors outlived it would keep each batch's inputs,
        // activations and gradients (about 1 MB for STSTNet here): hundreds of MB by epoch 200.
        var set = Synthetic.Separable(4, 16);
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast(epochs: 200) with { Threads = 1 });
        var progress = new EveryTenEpochs();
        trainer.Fit(set, progress);
        var (at10, at200) = (progress.Seen[10], progress.Seen[200]);
        Assert.Equal(at10.LiveTensors, at200.LiveTensors);
        Assert.True(at200.Resident <= at10.Resident * 1.1,
            $"resident memory grew from {at10.Resident >> 20} MB after 10 epochs to {at200.Resident >> 20} MB after 200");
    }

    [Fact]
    public void Two_trainers_training_at_once_each_give_what_they_give_alone()
    {
        // Each trainer owns its generators (weights, order, dropout, augmentation) and sets its threads on its own
        // thread, so running beside another changes nothing.
        var set = Synthetic.Separable(3, 8);
        float[][] Train(long seed)
        {
            using var trainer = Trainer.Create(Synthetic.Ststnet(dropout: 0.5),
                Synthetic.Fast(epochs: 6, seed: seed) with { Threads = 1, HorizontalFlip = true, RotationDegrees = 10 });
            trainer.Fit(set);
            return trainer.Predict(set);
        }
        var alone = new[] { Train(1), Train(2) };
        Assert.NotEqual(alone[0], alone[1]);
        for (var round = 0; round < 3; round++)
        {
            var together = new[] { 1L, 2L }.AsParallel().WithDegreeOfParallelism(2).Select(Train).ToArray();
            for (var i = 0; i < 2; i++)
            {
                var worst = alone[i].Zip(together[i], (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
                Assert.True(worst <= 1e-6, $"seed {i + 1}: trained beside another trainer its predictions moved by {worst}");
            }
        }
    }
}

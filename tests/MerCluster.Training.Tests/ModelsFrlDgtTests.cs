using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

namespace MerCluster.Training.Tests;

public sealed class ModelsFrlDgtTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("frl-dgt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The vision core's 9 AU boxes of the astronaut portrait after the pipeline's eye-corner alignment, (x, y, width,
    // height) as fractions of the aligned face.
    internal static readonly float[] PortraitBoxes =
    [
        0.106f, -0.033f, 0.307f, 0.221f, 0.597f, -0.023f, 0.309f, 0.225f, 0.333f, -0.033f, 0.345f, 0.332f,
        0.162f, 0.146f, 0.258f, 0.238f, 0.580f, 0.159f, 0.256f, 0.228f, 0.360f, 0.217f, 0.280f, 0.336f,
        0.111f, 0.374f, 0.260f, 0.333f, 0.617f, 0.374f, 0.260f, 0.336f, 0.251f, 0.520f, 0.486f, 0.398f,
    ];

    /// <summary><paramref name="set"/> with input au_boxes: row i holds <paramref name="boxes"/>(i), by default the portrait's boxes.</summary>
    internal static FeatureSet WithBoxes(FeatureSet set, Func<int, float[]>? boxes = null)
    {
        var data = new float[set.Count * 36];
        for (var i = 0; i < set.Count; i++)
            (boxes?.Invoke(i) ?? PortraitBoxes).CopyTo(data, 36 * i);
        return new FeatureSet(set.Classes, set.Samples, [.. set.Inputs, KeyValuePair.Create("au_boxes", new NdArray<float>([set.Count, 1, 9, 4], data))]);
    }

    // The small configuration: 64x64 faces, 30x30 regions with 6x6 patches (25 tokens).
    private static ModelOptions Small(params (string Key, object Value)[] extra) => ModelsSupport.Model("frl_dgt",
        [("image_size", 64), ("region_size", 30), ("patch", 6), ("dim", 32), ("heads", 4), ("mlp_dim", 64), ("depth", 1), ("dgm_width", 4), ("head_hidden", 16), .. extra]);

    private static FeatureSet Set(int subjects = 2, int perSubject = 3) =>
        WithBoxes(ModelsSupport.Inputs(subjects, perSubject, 64, ("onset", 3), ("apex", 3)));

    [Fact]
    public void Frl_dgt_generates_a_displacement_and_fuses_nine_au_regions_and_the_full_face()
    {
        using var trainer = Trainer.Create(Small(), new TrainOptions { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal(["onset", "apex", "au_boxes"], d.Inputs.Select(i => i.Name));
        Assert.Equal([[3, 64, 64], [3, 64, 64], [1, 9, 4]], d.Inputs.Select(i => i.Shape));
        Assert.Equal([2, 64, 64], d.ShapeOf("displacement"));
        Assert.Equal([8, 30, 30], d.ShapeOf("region"));  // onset, apex and displacement channels
        Assert.Equal([32], d.ShapeOf("local"));
        Assert.Equal([32], d.ShapeOf("global"));
        Assert.Equal([32], d.ShapeOf("full_face"));
        Assert.Equal([3], d.ShapeOf("fc2"));
        Assert.Equal(64, d.FeatureSize);
    }

    [Fact]
    public void Frl_dgt_paper_config_has_nine_local_modules_of_25_tokens_at_width_256()
    {
        var config = TrainingConfig.Load(TrainingConfig.PathFor("frl_dgt"));
        using var trainer = Trainer.Create(config.Model, config.Train with { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal([8, 90, 90], d.ShapeOf("region"));
        Assert.Equal([256], d.ShapeOf("local"));
        // Per local module: 18x18 patch embedding of the 8-channel stack, 25 positions, 2 layers, fusion layer.
        const long layer = 4 * 256 + (256 * 768 + 768) + (256 * 256 + 256) + (256 * 512 + 512) + (512 * 256 + 256);
        const long fusion = (256 * 768 + 768) + 25 + 2 * 8;
        const long local = (8 * 18 * 18 * 256 + 256) + 25 * 256 + 2 * layer + 2 * 256 + fusion;
        Assert.InRange(d.Parameters, 10 * local, 10 * local + 3_000_000);
    }

    [Fact]
    public void One_frl_dgt_optimisation_step_lowers_the_loss_on_a_fixed_batch()
    {
        var set = Set();
        using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("fusion_learning_rate", 1e-3)), ModelsSupport.FullBatch(set.Count, 2, 1e-3));
        var losses = ModelsSupport.EpochLosses(trainer, set);
        Assert.True(losses[1] < losses[0], $"loss went from {losses[0]} to {losses[1]}");
    }

    [Fact]
    public void The_displacement_losses_are_added_to_the_training_loss_with_their_weights()
    {
        var set = Set();
        double FirstLoss(double rec)
        {
            using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("rec_weight", rec)), ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            return ModelsSupport.EpochLosses(trainer, set)[0];
        }
        var (none, paper, doubled) = (FirstLoss(0), FirstLoss(10), FirstLoss(20));
        Assert.True(paper > none, $"rec weight 10 gave {paper}, none {none}");
        Assert.Equal(2 * (paper - none), doubled - none, 4);
    }

    [Fact]
    public void Frame_pairs_add_their_displacement_loss_in_training_and_neither_they_nor_the_apex_neighbours_reach_the_prediction()
    {
        var set = Set();
        var withFrames = WithBoxes(ModelsSupport.Inputs(2, 3, 64, ("onset", 3), ("apex", 3), ("frames", 12), ("apex_neighbours", 6)));
        using (var described = Trainer.Create(Small(("frame_pairs", 2), ("frames", 4), ("apex_jitter", true)), new TrainOptions { Threads = 1 }))
        {
            Assert.Equal(["onset", "apex", "au_boxes", "frames", "apex_neighbours"], described.Description.Inputs.Select(i => i.Name));
            Assert.Equal([12, 64, 64], described.Description.Inputs[3].Shape);
            Assert.Equal([6, 64, 64], described.Description.Inputs[4].Shape);
        }
        double FirstLoss(FeatureSet features, int count)
        {
            using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("frame_pairs", count), ("frames", 4)), ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            return ModelsSupport.EpochLosses(trainer, features)[0];
        }
        // Same weights, same batch: the difference is the DGM loss of the 2 pairs per sample.
        Assert.True(FirstLoss(withFrames, 2) > FirstLoss(set, 0) + 1e-3, "the frame pairs added no loss");

        using var model = Trainer.Create(Small(("frame_pairs", 2), ("frames", 4), ("apex_jitter", true)), new TrainOptions { Threads = 1 });
        var other = new FeatureSet(withFrames.Classes, withFrames.Samples, withFrames.Inputs.Select(input => input.Key is "frames" or "apex_neighbours"
            ? KeyValuePair.Create(input.Key, new NdArray<float>(input.Value.Shape, input.Value.Data.Select(v => 1 - v).ToArray()))
            : input).ToList());
        Assert.Equal(model.Predict(withFrames), model.Predict(other));
    }

    [Fact]
    public void Frl_dgt_trains_a_fold_through_the_trainer()
    {
        var set = Set(subjects: 3, perSubject: 3);
        var result = Trainer.TrainFold(new TrainingConfig { Model = Small(), Train = Synthetic.Fast(epochs: 2, batch: 4) }, set, Folds.LeaveOut(set, "casme2/sub03"));
        Assert.Equal(3, result.Predictions.Count);
        Assert.All(result.Predictions, p => Assert.Equal(1.0, p.Probabilities.Sum(), 4));
    }

    [Fact]
    public void Frl_dgt_crops_each_sample_at_its_own_au_boxes()
    {
        // Four copies of one face: two at the portrait's boxes, two with every box moved 0.1 to the right.
        var one = ModelsSupport.Inputs(1, 1, 64, ("onset", 3), ("apex", 3));
        var copies = new FeatureSet(one.Classes, Enumerable.Range(0, 4).Select(i => one.Samples[0] with { SampleId = $"casme2/sub01/copy{i}" }).ToList(),
            one.Inputs.Select(input => KeyValuePair.Create(input.Key, new NdArray<float>([4, .. input.Value.Shape[1..]],
                Enumerable.Repeat(input.Value.Data, 4).SelectMany(d => d).ToArray()))).ToList());
        var moved = PortraitBoxes.Select((v, k) => k % 4 == 0 ? v + 0.1f : v).ToArray();
        var set = WithBoxes(copies, i => i < 2 ? PortraitBoxes : moved);
        using var trainer = Trainer.Create(Small(), new TrainOptions { Threads = 1 });
        var features = trainer.Features(set);
        // Identical rows of one batch may differ in the last bits (vectorised kernels split a batch unevenly), so
        // "the same crop" is within 1e-5 and "another crop" is far beyond it.
        Assert.InRange(ModelsSupport.MaxAbsDifference(features[0], features[1]), 0, 1e-5);
        Assert.InRange(ModelsSupport.MaxAbsDifference(features[2], features[3]), 0, 1e-5);
        Assert.True(ModelsSupport.MaxAbsDifference(features[0], features[2]) > 1e-3, "moving the AU boxes did not change the features");
    }

    [Fact]
    public void Frl_dgt_trains_its_dgm_at_dgm_learning_rate_and_the_fusion_at_fusion_learning_rate_on_the_schedule()
    {
        var set = Set();
        // The train section's rate is neither group's.
        var train = ModelsSupport.FullBatch(set.Count, 2, 1e-3) with { Schedule = "cosine" };
        using (var trainer = Trainer.Create(Small(("dgm_learning_rate", 0.005), ("fusion_learning_rate", 3e-4)), train))
        {
            var groups = trainer.Description.ParameterGroups;
            Assert.Equal([new OptimizerGroup("dgm", groups[0].Parameters, 0.005, false), new OptimizerGroup("fusion", groups[1].Parameters, 3e-4, true)], groups);
            Assert.Equal(trainer.Description.Parameters, groups.Sum(g => g.Parameters));
            trainer.Fit(set);
            // The second (last) epoch ran at cosine(1 of 2) = half the fusion's rate; the DGM's rate stays.
            var after = trainer.Describe().ParameterGroups;
            Assert.Equal(0.005, after[0].LearningRate, 12);
            Assert.Equal(1.5e-4, after[1].LearningRate, 12);
        }

        // One step with the fusion's rate at 0: the DGM moves (the penultimate features change) only by its own rate.
        float[][] FeaturesAfterOneStep(double dgmRate)
        {
            using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("dgm_learning_rate", dgmRate), ("fusion_learning_rate", 0)),
                ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            trainer.Fit(set);
            return trainer.Features(set);
        }
        Assert.NotEqual(FeaturesAfterOneStep(0), FeaturesAfterOneStep(0.002));
    }

    [Fact]
    public void An_interrupted_frl_dgt_run_resumes_from_its_checkpoint_as_if_it_had_run_straight_through()
    {
        var set = Set();
        var train = Synthetic.Fast(epochs: 2, batch: 4) with { Schedule = "cosine" };
        using var straight = Trainer.Create(Small(), train);
        straight.Fit(set);

        var path = Path.Combine(_dir, "half.ckpt");
        using (var cancel = new CancellationTokenSource())
        using (var first = Trainer.Create(Small(), train))
            Assert.Throws<OperationCanceledException>(() => first.Fit(set, new StopAfter(1, cancel), cancel.Token, path));
        using var resumed = Trainer.Load(path);
        Assert.Equal(1, resumed.Epoch);
        resumed.Fit(set);
        Assert.Equal(straight.Predict(set), resumed.Predict(set));
    }

    // One mirror-symmetric face for every sample, brightest at its vertical midline; the class is where the AU boxes
    // are: all on the left half (negative), where brightness rises to the right, or at the mirrored places on the right
    // half (positive), where it falls. Only the crops at the boxes tell the classes apart.
    private static FeatureSet BoxesTellTheClass()
    {
        const int n = 12, size = 32;
        var random = new Random(3);
        var face = new float[3 * size * size];
        for (var row = 0; row < 3 * size; row++)
            for (var x = 0; x < size / 2; x++)
            {
                var value = (x + 1f) / (size / 2) + 0.2f * (float)(random.NextDouble() - 0.5);
                (face[row * size + x], face[row * size + size - 1 - x]) = (value, value);
            }
        var images = new float[n * face.Length];
        for (var i = 0; i < n; i++)
            face.CopyTo(images, i * face.Length);
        var samples = Enumerable.Range(0, n).Select(i => new FeatureSample($"casme2/sub{i / 4 + 1:00}/EP{i:000}", $"casme2/sub{i / 4 + 1:00}", "casme2", Synthetic.Classes[i % 2])).ToList();
        var set = new FeatureSet(Synthetic.Classes, samples,
            [KeyValuePair.Create("onset", new NdArray<float>([n, 3, size, size], images)), KeyValuePair.Create("apex", new NdArray<float>([n, 3, size, size], (float[])images.Clone()))]);
        float[] Left(int r) => [0.05f + 0.05f * (r % 3), 0.1f * r, 0.3f, 0.1f];
        float[] Right(int r) => [1 - 0.35f - 0.05f * (r % 3), 0.1f * r, 0.3f, 0.1f];
        return WithBoxes(set, i => Enumerable.Range(0, 9).SelectMany(r => i % 2 == 0 ? Left(r) : Right(r)).ToArray());
    }

    [Fact]
    public void A_horizontal_flip_moves_the_au_boxes_with_the_face()
    {
        var set = BoxesTellTheClass();
        double TrueClassConfidence(bool flip)
        {
            var model = ModelsSupport.Model("frl_dgt", ("image_size", 32), ("region_size", 8), ("patch", 4), ("dim", 16), ("heads", 2), ("mlp_dim", 32),
                ("depth", 1), ("dgm_width", 4), ("head_hidden", 16), ("dropout", 0), ("transformer_dropout", 0), ("fusion_learning_rate", 3e-3));
            using var trainer = Trainer.Create(model, Synthetic.Fast(epochs: 15, batch: 6, learningRate: 3e-3) with { HorizontalFlip = flip });
            trainer.Fit(set);
            var labels = set.LabelIndices();
            return trainer.Predict(set).Select((p, i) => (double)p[labels[i]]).Average();
        }
        var plain = TrueClassConfidence(flip: false);
        Assert.True(plain > 0.75, $"without flips the true class got {plain}");
        // The face looks the same flipped, but its boxes change sides: a flipped negative is exactly a positive, so
        // the classes become indistinguishable. Boxes left where they were would keep them apart as before.
        var flipped = TrueClassConfidence(flip: true);
        Assert.True(flipped < 0.6, $"with flips the true class got {flipped}");
    }

    private sealed class StopAfter(int epoch, CancellationTokenSource cancel) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value)
        {
            if (value.Epoch == epoch)
                cancel.Cancel();
        }
    }
}

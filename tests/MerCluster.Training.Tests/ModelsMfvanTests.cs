namespace MerCluster.Training.Tests;

public class ModelsMfvanTests
{
    // The small configuration: 64x64 frames, 16x16 patches of the apex and 8/4 of the student's first two maps: 4x4 tokens each.
    private static ModelOptions Small(params (string Key, object Value)[] extra) => ModelsSupport.Model("mfvan",
        [("image_size", 64), ("width", 4), ("teacher_blocks", 1), ("dim", 32), ("heads", 4), ("mlp_dim", 64), ("depth", 1), ("head_hidden", 16), .. extra]);

    private static MerCluster.Core.Features.FeatureSet Set(int subjects = 2, int perSubject = 3) =>
        ModelsSupport.Inputs(subjects, perSubject, 64, ("apex", 3), ("onset", 3));

    [Fact]
    public void Mfvan_classifies_the_apex_with_the_onset_as_the_autoencoder_target_over_three_scales()
    {
        using var trainer = Trainer.Create(Small(), new TrainOptions { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal(["apex", "onset"], d.Inputs.Select(i => i.Name));
        Assert.Equal([3, 64, 64], d.ShapeOf("student.generated"));
        Assert.Equal([8, 32, 32], d.ShapeOf("scale1.input"));
        Assert.Equal([16, 16, 16], d.ShapeOf("scale2.input"));
        Assert.DoesNotContain(d.Shapes, l => l.Name == "scale3.input");
        Assert.Equal(32 + 3 * 32, d.FeatureSize);
        Assert.Equal([3], d.ShapeOf("logits"));
    }

    [Fact]
    public void Every_scale_keeps_patches_so_its_masked_feature_depends_on_the_sample()
    {
        // Regression: the class token's attention also covers itself, so a near-uniform row (an untrained model's)
        // scaled by the patch count sat below the threshold 1 everywhere, nothing was kept and each scale's masked
        // feature was its MLP's bias: the same for every sample, and the model could only learn the class prior.
        var set = Set();
        using var trainer = Trainer.Create(Small(("mask_threshold", 1.0)), new TrainOptions { Threads = 1 });
        var features = trainer.Features(set);
        const int bottleneck = 4 << 3, dim = 32;
        for (var scale = 0; scale < 3; scale++)
        {
            var block = features.Select(f => f.AsSpan(bottleneck + scale * dim, dim).ToArray()).ToList();
            var spread = Enumerable.Range(0, dim).Max(j => block.Max(f => f[j]) - block.Min(f => f[j]));
            Assert.True(spread > 1e-4, $"scale {scale}: its masked-patch feature is the same for every sample (spread {spread})");
        }
    }

    [Fact]
    public void Mfvan_paper_config_builds_with_its_224_inputs()
    {
        var config = TrainingConfig.Load(TrainingConfig.PathFor("mfvan"));
        using var trainer = Trainer.Create(config.Model, config.Train with { Threads = 1 });
        Assert.Equal([[3, 224, 224], [3, 224, 224], [24, 224, 224]], trainer.Description.Inputs.Select(i => i.Shape));
        Assert.Equal([128, 56, 56], trainer.Description.ShapeOf("scale2.input"));
    }

    [Fact]
    public void One_mfvan_optimisation_step_lowers_the_loss_on_a_fixed_batch()
    {
        var set = Set();
        using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0)),
            ModelsSupport.FullBatch(set.Count, 2, 1e-3));
        var losses = ModelsSupport.EpochLosses(trainer, set);
        Assert.True(losses[1] < losses[0], $"loss went from {losses[0]} to {losses[1]}");
    }

    [Fact]
    public void The_identity_and_mask_losses_add_to_the_training_loss_with_their_weights()
    {
        var set = Set();
        double FirstLoss(double identity, double mask)
        {
            using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("identity_weight", identity), ("mask_weight", mask)),
                ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            return ModelsSupport.EpochLosses(trainer, set)[0];
        }
        var none = FirstLoss(0, 0);
        Assert.Equal(2 * (FirstLoss(1, 0) - none), FirstLoss(2, 0) - none, 4);
        Assert.Equal(2 * (FirstLoss(0, 1) - none), FirstLoss(0, 2) - none, 4);
        Assert.True(FirstLoss(1, 0) > none);
    }

    [Fact]
    public void Mfvan_trains_a_fold_through_the_trainer()
    {
        var set = Set(subjects: 3, perSubject: 3);
        var result = Trainer.TrainFold(new TrainingConfig { Model = Small(), Train = Synthetic.Fast(epochs: 2, batch: 4) }, set, Folds.LeaveOut(set, "casme2/sub01"));
        Assert.Equal(3, result.Predictions.Count);
        Assert.All(result.Predictions, p => Assert.Equal(1.0, p.Probabilities.Sum(), 4));
    }

    [Fact]
    public void The_focal_weights_are_the_inverse_class_frequencies_of_the_folds_training_rows_and_are_checkpointed()
    {
        // 12 samples of classes 0, 1, 2 in turn; holding out sub01 (classes 0, 1, 2, 0) leaves 2 / 3 / 3 to train on.
        var set = Set(subjects: 3, perSubject: 4);
        var fold = Folds.LeaveOut(set, "casme2/sub01");
        var train = set.Rows(fold.TrainRows);
        var counts = Enumerable.Range(0, 3).Select(c => train.LabelIndices().Count(l => l == c)).ToArray();
        Assert.Equal([2, 3, 3], counts);
        var path = Path.Combine(Path.GetTempPath(), $"mfvan-weights-{Guid.NewGuid():N}.ckpt");
        try
        {
            using (var trainer = Trainer.Create(Small(), Synthetic.Fast(epochs: 1, batch: 8)))
            {
                trainer.Fit(train, checkpointPath: path);
                AssertInverseFrequencies(trainer);
            }
            using var resumed = Trainer.Load(path);
            AssertInverseFrequencies(resumed);
        }
        finally
        {
            File.Delete(path);
        }

        void AssertInverseFrequencies(Trainer trainer)
        {
            var state = trainer.State();
            var weights = state["class_weights"].data<float>().ToArray();
            for (var c = 0; c < 3; c++)
                Assert.Equal(train.Count / (3.0 * counts[c]), weights[c], 5);
            foreach (var tensor in state.Values)
                tensor.Dispose();
        }
    }

    [Fact]
    public void The_teacher_pretraining_stage_sees_the_training_subjects_frames_only()
    {
        // The held-out subject's frames are NaN: one of them in the teacher's stage would make its weights NaN.
        var clean = ModelsSupport.Inputs(3, 3, 64, ("apex", 3), ("onset", 3), ("frames", 6));
        var fold = Folds.LeaveOut(clean, "casme2/sub02");
        var heldOut = fold.TestRows.ToHashSet();
        var set = new MerCluster.Core.Features.FeatureSet(clean.Classes, clean.Samples, clean.Inputs.Select(input => input.Key != "frames" ? input
            : KeyValuePair.Create(input.Key, new MerCluster.Core.Arrays.NdArray<float>(input.Value.Shape,
                input.Value.Data.Select((v, k) => heldOut.Contains(k / (6 * 64 * 64)) ? float.NaN : v).ToArray()))).ToList());
        // The joint stage at rate 0: whatever moves the teacher is its own stage.
        var model = Small(("teacher_pretrain_epochs", 1), ("frames", 2));
        var config = new TrainingConfig { Model = model, Train = Synthetic.Fast(epochs: 1, batch: 4, learningRate: 0) };
        var path = Path.Combine(Path.GetTempPath(), $"mfvan-teacher-{Guid.NewGuid():N}.ckpt");
        try
        {
            var result = Trainer.TrainFold(config, set, fold, checkpointPath: path);
            Assert.True(double.IsFinite(result.FinalLoss), $"training loss {result.FinalLoss}");
            using var trained = Trainer.Load(path);
            using var initial = Trainer.Create(config);
            var (after, before) = (trained.State(), initial.State());
            var teacher = after.Keys.Where(k => k.StartsWith("teacher.", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(teacher);
            Assert.All(teacher, k => Assert.True(after[k].isfinite().all().item<bool>(), $"{k} is not finite"));
            Assert.Contains(teacher, k => !after[k].equal(before[k]).all().item<bool>());
            Assert.True(after["student.stem.weight"].equal(before["student.stem.weight"]).all().item<bool>());
            Assert.Equal(["casme2/sub01", "casme2/sub03"], trained.Subjects!.Order());
        }
        finally
        {
            File.Delete(path);
        }
    }
}

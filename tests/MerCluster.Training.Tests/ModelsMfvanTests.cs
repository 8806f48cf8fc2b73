namespace MerCluster.Training.Tests;

public class ModelsMfvanTests
{
    // The small configuration: 64x64 frames, 16x16 patches of the apex and 8/4/2 of the student's maps: 4x4 tokens each.
    private static ModelOptions Small(params (string Key, object Value)[] extra) => ModelsSupport.Model("mfvan",
        [("image_size", 64), ("width", 4), ("teacher_blocks", 1), ("dim", 32), ("heads", 4), ("mlp_dim", 64), ("depth", 1), ("head_hidden", 16), .. extra]);

    private static MerCluster.Core.Features.FeatureSet Set(int subjects = 2, int perSubject = 3) =>
        ModelsSupport.Inputs(subjects, perSubject, 64, ("apex", 3), ("onset", 3));

    [Fact]
    public void Mfvan_classifies_the_apex_with_the_onset_as_the_autoencoder_target_over_four_scales()
    {
        using var trainer = Trainer.Create(Small(), new TrainOptions { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal(["apex", "onset"], d.Inputs.Select(i => i.Name));
        Assert.Equal([3, 64, 64], d.ShapeOf("student.generated"));
        Assert.Equal([8, 32, 32], d.ShapeOf("scale1.input"));
        Assert.Equal([16, 16, 16], d.ShapeOf("scale2.input"));
        Assert.Equal([32, 8, 8], d.ShapeOf("scale3.input"));
        Assert.Equal(32 + 4 * 32, d.FeatureSize);
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
        for (var scale = 0; scale < 4; scale++)
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
        Assert.All(trainer.Description.Inputs, i => Assert.Equal([3, 224, 224], i.Shape));
        Assert.Equal([256, 28, 28], trainer.Description.ShapeOf("scale3.input"));
    }

    [Fact]
    public void One_mfvan_optimisation_step_lowers_the_loss_on_a_fixed_batch()
    {
        var set = Set();
        using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("teacher_pretrain_steps", 0)),
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
}

namespace MerCluster.Training.Tests;

public class ModelsFrlDgtTests
{
    // The small configuration: 64x64 faces, 30x30 regions with 6x6 patches (25 tokens).
    private static ModelOptions Small(params (string Key, object Value)[] extra) => ModelsSupport.Model("frl_dgt",
        [("image_size", 64), ("region_size", 30), ("patch", 6), ("dim", 32), ("heads", 4), ("mlp_dim", 64), ("depth", 1), ("dgm_width", 4), ("head_hidden", 16), .. extra]);

    private static MerCluster.Core.Features.FeatureSet Set(int subjects = 2, int perSubject = 3) =>
        ModelsSupport.Inputs(subjects, perSubject, 64, ("onset", 3), ("apex", 3));

    [Fact]
    public void Frl_dgt_generates_a_displacement_and_fuses_nine_au_regions_and_the_full_face()
    {
        using var trainer = Trainer.Create(Small(), new TrainOptions { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal(["onset", "apex"], d.Inputs.Select(i => i.Name));
        Assert.All(d.Inputs, i => Assert.Equal([3, 64, 64], i.Shape));
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
        using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0)), ModelsSupport.FullBatch(set.Count, 2, 1e-3));
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
    public void Frl_dgt_trains_a_fold_through_the_trainer()
    {
        var set = Set(subjects: 3, perSubject: 3);
        var result = Trainer.TrainFold(new TrainingConfig { Model = Small(), Train = Synthetic.Fast(epochs: 2, batch: 4) }, set, TrainingFold.LeaveOut(set, "casme2/sub03"));
        Assert.Equal(3, result.Predictions.Count);
        Assert.All(result.Predictions, p => Assert.Equal(1.0, p.Probabilities.Sum(), 4));
    }
}

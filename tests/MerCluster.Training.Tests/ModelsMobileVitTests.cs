using MerCluster.Training.Models;

namespace MerCluster.Training.Tests;

public sealed class ModelsMobileVitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mobilevit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The small configuration: XXS on 64x64 (the last map, 2x2, is one 2x2 patch).
    private static ModelOptions Small(params (string Key, object Value)[] extra) =>
        ModelsSupport.Model("mobilevit_svm", [("variant", "xxs"), ("image_size", 64), .. extra]);

    private static MerCluster.Core.Features.FeatureSet Set(int subjects = 2, int perSubject = 3) =>
        ModelsSupport.Inputs(subjects, perSubject, 64, ("apex_gray", 1));

    [Fact]
    public void MobileVit_s_halves_a_256_gray_apex_five_times_with_the_widths_of_its_paper()
    {
        using var trainer = Trainer.Create(ModelsSupport.Model("mobilevit_svm"), new TrainOptions { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal("apex_gray", d.Inputs.Single().Name);
        Assert.Equal([1, 256, 256], d.Inputs.Single().Shape);
        Assert.Equal([16, 128, 128], d.ShapeOf("stem"));
        Assert.Equal([32, 128, 128], d.ShapeOf("layer1"));
        Assert.Equal([64, 64, 64], d.ShapeOf("layer2"));
        Assert.Equal([96, 32, 32], d.ShapeOf("layer3"));
        Assert.Equal([128, 16, 16], d.ShapeOf("layer4"));
        Assert.Equal([160, 8, 8], d.ShapeOf("layer5"));
        Assert.Equal([640, 8, 8], d.ShapeOf("expand"));
        Assert.Equal(640, d.FeatureSize);
    }

    [Theory]
    [InlineData("xxs", 1.3e6)]
    [InlineData("xs", 2.3e6)]
    [InlineData("s", 5.6e6)]
    public void MobileVit_variants_have_the_parameter_counts_of_its_paper_with_an_imagenet_head(string variant, double reported)
    {
        using var trainer = Trainer.Create(ModelsSupport.Model("mobilevit_svm", ("variant", variant), ("classes", 1000), ("image_size", 64)),
            new TrainOptions { Threads = 1 });
        // The paper rounds to 0.1M and counts a 3-channel stem; this one is gray.
        Assert.InRange(trainer.Description.Parameters, reported * 0.96, reported * 1.04);
    }

    [Fact]
    public void One_mobilevit_optimisation_step_lowers_the_loss_on_a_fixed_batch()
    {
        var set = Set();
        using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0)), ModelsSupport.FullBatch(set.Count, 2, 1e-3));
        var losses = ModelsSupport.EpochLosses(trainer, set);
        Assert.True(losses[1] < losses[0], $"loss went from {losses[0]} to {losses[1]}");
    }

    [Fact]
    public void The_l2_penalty_on_convolutions_and_linear_layers_adds_to_the_training_loss()
    {
        var set = Set();
        double FirstLoss(double l2)
        {
            using var trainer = Trainer.Create(Small(("dropout", 0), ("transformer_dropout", 0), ("l2", l2)), ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            return ModelsSupport.EpochLosses(trainer, set)[0];
        }
        var (none, paper, doubled) = (FirstLoss(0), FirstLoss(0.2), FirstLoss(0.4));
        Assert.True(paper > none + 1, $"l2 0.2 gave {paper}, none {none}");
        Assert.Equal(2 * (paper - none), doubled - none, 3);
    }

    [Fact]
    public void Fine_tuning_starts_every_layer_from_a_pretraining_checkpoint_and_the_classifier_only_when_its_classes_fit()
    {
        var set = Set();
        var macro = Path.Combine(_dir, "macro.ckpt");
        float[][] pretrainedFeatures, pretrainedProbabilities;
        using (var pretraining = Trainer.Create(Small(("l2", 0.001), ("classifier", "softmax")), Synthetic.Fast(epochs: 1, batch: 6)))
        {
            pretraining.Fit(set, checkpointPath: macro);
            pretrainedFeatures = pretraining.Features(set);
            pretrainedProbabilities = pretraining.Predict(set);
        }
        // Same classes: the whole model is the checkpoint's (what `mer predict` relies on).
        using (var same = Trainer.Create(Small(("weights", macro), ("classes", 3), ("classifier", "softmax")), new TrainOptions { Seed = 99, Threads = 1 }))
        {
            Assert.Equal(pretrainedFeatures, same.Features(set));
            Assert.Equal(pretrainedProbabilities, same.Predict(set));
        }
        // Other classes: every layer but the classifier, which keeps its initial weights.
        using var other = Trainer.Create(Small(("weights", macro), ("classes", 4)), new TrainOptions { Seed = 99, Threads = 1 });
        Assert.Equal(pretrainedFeatures, other.Features(set));
    }

    [Fact]
    public void A_pretraining_checkpoint_of_another_model_is_an_error_naming_it()
    {
        var other = Path.Combine(_dir, "ststnet.ckpt");
        using (var ststnet = Trainer.Create(Synthetic.Ststnet(), new TrainOptions { Threads = 1 }))
            ststnet.Save(other);
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Small(("weights", other)), new TrainOptions { Threads = 1 }));
        Assert.Contains(other, error.Message);
    }

    [Fact]
    public void MobileVit_with_the_svm_head_trains_a_fold_and_scores_the_held_out_subject()
    {
        var set = Set(subjects: 3, perSubject: 6);
        var model = Small(("l2", 0.001), ("svm_kernel", "linear"));
        var train = set.Where(s => s.Subject != "casme2/sub03");
        var heldOut = set.Where(s => s.Subject == "casme2/sub03");
        using var trainer = Trainer.Create(model, Synthetic.Fast(epochs: 4, batch: 6));
        var svm = trainer.Svm;
        Assert.Equal(new SvmOptions(SvmKernel.Linear, 1, 0), svm);
        trainer.Fit(train);
        var scores = SvmHead.Predict(trainer, train, heldOut, svm!);
        Assert.Equal(heldOut.Count, scores.Length);
        Assert.All(scores, s => Assert.Equal(1.0, s.Sum(), 4));
    }

    [Fact]
    public void MobileVit_with_the_softmax_head_trains_a_fold_through_the_trainer()
    {
        var model = Small(("classifier", "softmax"));
        var set = Set(subjects: 3, perSubject: 3);
        var result = Trainer.TrainFold(new TrainingConfig { Model = model, Train = Synthetic.Fast(epochs: 2, batch: 4) }, set, Folds.LeaveOut(set, "casme2/sub01"));
        Assert.Equal(3, result.Predictions.Count);
    }

    [Fact]
    public void MobileVit_rejects_an_unknown_svm_kernel_naming_the_key()
    {
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Small(("svm_kernel", "poly")), new TrainOptions { Threads = 1 }));
        Assert.Contains("svm_kernel", error.Message);
    }
}

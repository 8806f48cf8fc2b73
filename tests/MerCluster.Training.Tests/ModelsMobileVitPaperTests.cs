using MerCluster.Training.Models;
using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

/// <summary>Seed 004's settings as the issue 15 review read them: one L2 term, macro pretraining, gradual unfreezing, pixel jitter.</summary>
public sealed class ModelsMobileVitPaperTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mobilevit-paper-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModelOptions Small(params (string Key, object Value)[] extra) =>
        ModelsSupport.Model("mobilevit_svm", [("variant", "xxs"), ("image_size", 64), ("dropout", 0), ("transformer_dropout", 0), .. extra]);

    private static MerCluster.Core.Features.FeatureSet Set() => ModelsSupport.Inputs(2, 3, 64, ("apex_gray", 1));

    [Fact]
    public void Only_the_l2_setting_regularises_the_weights_once_and_a_weight_decay_beside_it_is_refused()
    {
        var set = Set();
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Small(("l2", 0.01)), ModelsSupport.FullBatch(set.Count, 1, 1e-3) with { WeightDecay = 0.01 }));
        Assert.Contains("'weight_decay' must be 0", error.Message);
        Assert.Contains("'l2'", error.Message);

        (double Loss, double SumOfSquares) First(double l2)
        {
            using var trainer = Trainer.Create(Small(("l2", l2)), ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            // Convolution and linear weights are the tensors of two or more dimensions named weight (norms are 1-D).
            var state = trainer.State();
            var squares = state.Where(kv => kv.Key.EndsWith(".weight", StringComparison.Ordinal) && kv.Value.dim() >= 2).Sum(kv => kv.Value.pow(2).sum().item<float>());
            foreach (var tensor in state.Values)
                tensor.Dispose();
            return (ModelsSupport.EpochLosses(trainer, set)[0], squares);
        }
        var (none, squares) = First(0);
        var (penalised, _) = First(0.01);
        // Exactly one term: 0.01 x the sum of squares, not twice it nor less.
        Assert.InRange((penalised - none) / (0.01 * squares), 0.999, 1.001);
    }

    [Fact]
    public void The_paper_config_pretrains_on_macro_expressions_so_it_refuses_to_start_without_their_checkpoint()
    {
        var config = TrainingConfig.Load(TrainingConfig.PathFor("mobilevit_svm"));
        Assert.Equal("true", config.Model.Settings["macro_pretraining"]);
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(config.Model, config.Train with { Threads = 1 }));
        Assert.Contains("macro_pretraining", error.Message);
        Assert.Contains("mobilevit_svm-macro.yaml", error.Message);
        var macro = TrainingConfig.Load(Path.Combine(MerCluster.Core.RepositoryPaths.Configs, "models", "mobilevit_svm-macro.yaml"));
        Assert.Equal((0.3, 20 / 255.0), (macro.Train.PixelJitterProbability, macro.Train.PixelJitter), new ToleranceComparer(1e-3));
    }

    [Fact]
    public void The_unfreezing_schedule_frees_one_mobilenet_stage_every_n_epochs_deepest_first()
    {
        Assert.Equal([5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0], Enumerable.Range(0, 12).Select(e => MobileVit.FrozenStages(e, 2)));
        Assert.Equal(0, MobileVit.FrozenStages(0, 0));
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Small(("unfreeze_every", 2)), new TrainOptions { Threads = 1 }));
        Assert.Contains("unfreeze_every", error.Message);
    }

    [Fact]
    public void Transferred_mobilenet_blocks_take_no_gradient_at_first_and_the_deepest_trains_from_the_next_epoch_after_a_resume()
    {
        var set = Set();
        var macro = Path.Combine(_dir, "macro.ckpt");
        using (var pretraining = Trainer.Create(Small(("classifier", "softmax")), Synthetic.Fast(epochs: 1, batch: 6)))
            pretraining.Fit(set, checkpointPath: macro);
        var fineTune = Path.Combine(_dir, "fine.ckpt");
        var model = Small(("weights", macro), ("macro_pretraining", true), ("unfreeze_every", 1), ("l2", 0.001));
        Dictionary<string, Tensor> start, afterFirst, afterSecond;
        using (var trainer = Trainer.Create(model, Synthetic.Fast(epochs: 1, batch: 6, learningRate: 1e-2)))
        {
            start = trainer.State();
            trainer.Fit(set, checkpointPath: fineTune);
            afterFirst = trainer.State();
        }
        using (var resumed = Trainer.Load(fineTune, new Dictionary<string, object> { ["epochs"] = 2 }))
        {
            resumed.Fit(set);
            afterSecond = resumed.State();
        }
        // Parameters only: batch norm's running statistics follow the data whether frozen or not.
        bool Moved(Dictionary<string, Tensor> before, Dictionary<string, Tensor> after, string prefix) =>
            before.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && (kv.Key.EndsWith(".weight") || kv.Key.EndsWith(".bias")))
                .Any(kv => !kv.Value.eq(after[kv.Key]).all().item<bool>());
        foreach (var frozen in new[] { "stem.", "layer1.", "layer2.", "layer3.0.", "layer4.0.", "layer5.0." })
            Assert.False(Moved(start, afterFirst, frozen), $"{frozen} changed in epoch 1");
        Assert.True(Moved(start, afterFirst, "layer5.1."), "the MobileViT block did not train");
        Assert.True(Moved(start, afterFirst, "classifier."), "the classifier did not train");
        Assert.True(Moved(afterFirst, afterSecond, "layer5.0."), "the deepest MobileNetV2 block stayed frozen in epoch 2");
        foreach (var frozen in new[] { "stem.", "layer1.", "layer2.", "layer3.0.", "layer4.0." })
            Assert.False(Moved(afterFirst, afterSecond, frozen), $"{frozen} changed in epoch 2");
    }

    [Fact]
    public void Pixel_jitter_shifts_about_its_probability_of_the_images_within_its_bound_and_leaves_motion_inputs()
    {
        const int n = 4000;
        using var generator = new Generator(17);
        var specs = new[] { new InputSpec("apex_gray", "", [1, 4, 4]), new InputSpec("flow", "", [2, 4, 4], MotionChannels: true) };
        var output = Augmentation.Jitter([zeros(n, 1, 4, 4), zeros(n, 2, 4, 4)], specs, 0.3, 20 / 255.0, generator);
        var changed = (output[0].abs().amax([1, 2, 3]) > 0).sum().item<long>() / (double)n;
        // 4000 draws of p = 0.3: the standard error is 0.0072; 0.03 is four of them.
        Assert.InRange(changed, 0.27, 0.33);
        Assert.True(output[0].abs().max().item<float>() <= 20 / 255.0 + 1e-6);
        Assert.Equal(0, output[1].abs().max().item<float>());
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) => Math.Abs(x.Item1 - y.Item1) <= tolerance && Math.Abs(x.Item2 - y.Item2) <= tolerance;

        public int GetHashCode((double, double) obj) => 0;
    }
}

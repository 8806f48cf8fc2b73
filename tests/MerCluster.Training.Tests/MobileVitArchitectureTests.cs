using MerCluster.Training.Torch;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

public class MobileVitArchitectureTests
{
    // The small configuration (configs/models/mobilevit_svm-small.yaml): XXS on a 64x64 gray apex; the maps of layers
    // 3 to 5 are 8x8, 4x4 and 2x2, so the 2x2 unfolding runs over several patches and over a single one.
    private static Dictionary<string, string> Small(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["variant"] = "xxs", ["image_size"] = "64" };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return settings;
    }

    [Fact]
    public void MobileVit_has_the_parameter_count_of_version_1_at_the_paper_configuration()
    {
        // configs/models/mobilevit_svm.yaml, model.settings.
        var paper = new Dictionary<string, string>
        {
            ["classes"] = "3", ["variant"] = "s", ["image_size"] = "256", ["dropout"] = "0.5", ["transformer_dropout"] = "0.1",
            ["l2"] = "0.2", ["classifier"] = "svm", ["svm_kernel"] = "rbf", ["svm_c"] = "1", ["svm_gamma"] = "0",
        };
        Assert.Equal(4_939_267, ModelProbe.ParameterCount("mobilevit_svm", paper));
    }

    // The seed (004) gives no parameter count; MobileViT's paper (Mehta and Rastegari, 2021, Table 4) gives 1.3M, 2.3M
    // and 5.6M with the ImageNet head, rounded to 0.1M (hence +-0.05M), for a 3-channel stem: this one is gray, 2 x 16
    // x 3 x 3 = 288 stem weights fewer (measured: 1,271,736, 2,317,560 and 5,578,344 here).
    [Theory]
    [InlineData("xxs", 1.3e6)]
    [InlineData("xs", 2.3e6)]
    [InlineData("s", 5.6e6)]
    public void MobileVit_variants_have_the_parameter_counts_of_version_1_and_the_paper_with_an_imagenet_head(string variant, double reported)
    {
        var count = ModelProbe.ParameterCount("mobilevit_svm", Small(("variant", variant), ("classes", "1000")));
        Assert.InRange(count + 288, reported - 0.05e6, reported + 0.05e6);
    }

    [Fact]
    public void The_l2_penalty_is_l2_times_the_squared_convolution_and_linear_weights_while_training_only()
    {
        using var model = ModelRegistry.Create("mobilevit_svm", Small(("l2", "0.2"), ("dropout", "0"), ("transformer_dropout", "0")), out _);
        using var scope = NewDisposeScope();
        var x = tensor(ModelProbe.Input(3, [1, 64, 64], seed: 4).Data, [3, 1, 64, 64]);
        var labels = tensor(new long[] { 0, 1, 2 });

        model.train();
        var output = model.Forward([x]);
        // Independently: every weight of two or more dimensions is a convolution's or a linear layer's (norm weights are
        // vectors, biases are not named weight).
        var weights = model.named_parameters().Where(p => p.name.EndsWith(".weight", StringComparison.Ordinal) && p.parameter.dim() >= 2).ToList();
        Assert.Equal(model.modules().Count(m => m is TorchSharp.Modules.Conv2d or TorchSharp.Modules.Linear), weights.Count);
        var expected = 0.2 * weights.Sum(p => p.parameter.pow(2).sum().item<float>());
        Assert.NotNull(output.AuxiliaryLoss);
        Assert.Equal(expected, output.AuxiliaryLoss!.item<float>(), expected * 1e-5);
        var crossEntropy = nn.functional.cross_entropy(output.Logits, labels).item<float>();
        Assert.Equal(crossEntropy + expected, model.Loss(output, labels, null).item<float>(), expected * 1e-5);

        model.eval();
        Assert.Null(model.Forward([x]).AuxiliaryLoss);
        using var free = ModelRegistry.Create("mobilevit_svm", Small(("l2", "0")), out _);
        free.train();
        Assert.Null(free.Forward([x]).AuxiliaryLoss);
    }

    [Fact]
    public void MobileVit_reads_the_version_1_keys_then_the_common_weights_key_and_rejects_an_image_size_off_64()
    {
        using var model = ModelRegistry.Create("mobilevit_svm", Small(("weights", "macro.ckpt")), out var resolved);
        Assert.Equal("macro.ckpt", resolved["weights"]!.GetValue<string>());
        Assert.Equal(["classes", "variant", "image_size", "dropout", "transformer_dropout", "l2", "classifier", "svm_kernel", "svm_c", "svm_gamma", "weights", "macro_pretraining", "unfreeze_every"],
            resolved.Select(kv => kv.Key));
        var error = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mobilevit_svm", Small(("image_size", "96")), out _));
        Assert.Contains("image_size", error.Message);
    }
}

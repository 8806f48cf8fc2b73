using MerCluster.Training.Models;
using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

public class MfvanArchitectureTests
{
    // The small configuration of ModelsMfvanTests: 64x64 frames, 16x16 patches of the apex and 8/4/2 of the student's
    // maps (4x4 tokens at every scale), one 32-wide layer per scale.
    private static Dictionary<string, string> Small(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["image_size"] = "64", ["width"] = "4", ["teacher_blocks"] = "1", ["dim"] = "32", ["heads"] = "4",
            ["mlp_dim"] = "64", ["depth"] = "1", ["head_hidden"] = "16",
        };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return settings;
    }

    // Apex and onset frames in 0..1, as the pipeline gives them.
    private static (float[] Data, long[] Shape) Frame(int n, long size, int seed)
    {
        var (data, shape) = ModelProbe.Input(n, [3, size, size], seed);
        return (data.Select(v => (v + 1) / 2).ToArray(), shape);
    }

    [Fact]
    public void Mfvan_paper_config_has_the_parameter_count_of_version_1()
    {
        // configs/models/mfvan.yaml. The seed paper gives no parameter count (nor widths, depths or thresholds: the
        // config's ViT-Tiny-like scales are the project's reading), so there is no published number to check against.
        var settings = new Dictionary<string, string>
        {
            ["classes"] = "3", ["image_size"] = "224", ["patch"] = "16", ["width"] = "32", ["teacher_blocks"] = "2",
            ["dim"] = "192", ["heads"] = "3", ["mlp_dim"] = "768", ["depth"] = "4", ["transformer_dropout"] = "0.1",
            ["head_hidden"] = "256", ["dropout"] = "0.5", ["mask_threshold"] = "1.0", ["focal_gamma"] = "2.0",
            ["mask_weight"] = "1.0", ["identity_weight"] = "1.0", ["teacher_pretrain_steps"] = "200",
        };
        var count = ModelProbe.ParameterCount("mfvan", settings);
        Assert.Equal(PaperConfigParameters, count);
    }

    // Counted by hand from the layers (and equal to the C++ model of version 1): autoencoders, four scales, the head.
    private static readonly long PaperConfigParameters = PaperCount();

    private static long PaperCount()
    {
        static long Conv(long i, long o, long k) => i * o * k * k + o;
        static long Autoencoder(long w, long blocks)
        {
            long total = Conv(3, w, 3), c = w;
            for (var s = 0; s < 3; s++, c *= 2)
                total += Conv(c, 2 * c, 3) + 2 * 2 * c + blocks * 2 * Conv(2 * c, 2 * c, 3);
            for (var s = 0; s < 3; s++, c /= 2)
                total += c * (c / 2) * 16 + c / 2;
            return total + Conv(c, 3, 3);
        }
        const long d = 192, mlp = 768, classes = 3, tokens = 14 * 14;
        static long Linear(long i, long o) => i * o + o;
        var block = 2 * 2 * d + Linear(d, 3 * d) + Linear(d, d) + Linear(d, mlp) + Linear(mlp, d);
        long scales = 0;
        for (var s = 0; s < 4; s++)
        {
            var channels = s == 0 ? 3 : 32L << s;
            scales += Conv(channels, d, 16 >> s) + d + (tokens + 1) * d + 4 * block + 2 * d + Linear(d, d) + 2 * Linear(d, classes);
        }
        return Autoencoder(32, 2) + Autoencoder(32, 0) + scales + Linear(256 + 4 * d, 256) + Linear(256, classes);
    }

    // -(1 - p_t)^gamma log p_t per sample, weighted mean, in doubles from the logits alone.
    private static double Focal(Tensor logits, long[] labels, double[] weights, double gamma)
    {
        var rows = logits.shape[0];
        var cols = logits.shape[1];
        var values = logits.detach().to(float64).data<double>().ToArray();
        double sum = 0, total = 0;
        for (var i = 0; i < rows; i++)
        {
            var row = values.AsSpan((int)(i * cols), (int)cols);
            var max = row.ToArray().Max();
            var logZ = max + Math.Log(row.ToArray().Sum(v => Math.Exp(v - max)));
            var logP = row[(int)labels[i]] - logZ;
            sum += -Math.Pow(1 - Math.Exp(logP), gamma) * logP * weights[i];
            total += weights[i];
        }
        return sum / total;
    }

    private static double Mse(Tensor a, Tensor b)
    {
        var x = a.detach().to(float64).data<double>().ToArray();
        var y = b.detach().to(float64).data<double>().ToArray();
        return x.Zip(y, (p, q) => (p - q) * (p - q)).Average();
    }

    [Fact]
    public void Mfvan_loss_is_focal_over_fused_scale_and_masked_predictions_plus_the_weighted_identity_loss()
    {
        const double gamma = 1.5, maskWeight = 0.7, identityWeight = 2.5;
        var settings = Small(("dropout", "0"), ("transformer_dropout", "0"), ("focal_gamma", "1.5"), ("mask_weight", "0.7"),
            ("identity_weight", "2.5"), ("teacher_pretrain_steps", "1"));
        using var model = (Mfvan)ModelRegistry.Create("mfvan", settings, out _);
        var teacher = (MfvanAutoencoder)model.named_children().Single(c => c.name == "teacher").module;
        var student = (MfvanAutoencoder)model.named_children().Single(c => c.name == "student").module;
        var steps = model.named_buffers().Single(b => b.name == "training_steps").buffer;
        var apex = torch.tensor(Frame(4, 64, seed: 3).Data, [4, 3, 64, 64]);
        var onset = torch.tensor(Frame(4, 64, seed: 4).Data, [4, 3, 64, 64]);
        long[] labels = [0, 2, 1, 2];
        var labelTensor = torch.tensor(labels);
        double[] weights = [1.0, 0.5, 2.0, 0.25];
        var weightTensor = torch.tensor(weights.Select(w => (float)w).ToArray());
        double[] ones = [1, 1, 1, 1];

        double Classification(ModelOutput output, double[] w)
        {
            Assert.Equal(8, model.ScaleLogits.Count);
            var expected = Focal(output.Logits, labels, w, gamma);
            for (var i = 0; i < 8; i += 2)
                expected += Focal(model.ScaleLogits[i], labels, w, gamma) + maskWeight * Focal(model.ScaleLogits[i + 1], labels, w, gamma);
            return expected;
        }

        model.train();
        using (torch.no_grad())
        {
            // Step 0 < teacher_pretrain_steps: the teacher reconstructs apex and onset, the student maps apex to onset.
            Assert.Equal(0L, steps.item<long>());
            var output = model.Forward([apex, onset]);
            Assert.Equal(1L, steps.item<long>());
            var both = cat([apex, onset], 0);
            var identity = Mse(teacher.Forward(both).Generated, both) + Mse(student.Forward(apex).Generated, onset);
            Assert.Equal(identityWeight * identity, output.AuxiliaryLoss!.item<float>(), 4);
            Assert.Equal(Classification(output, ones) + identityWeight * identity, model.Loss(output, labelTensor, null).item<float>(), 4);

            // Then the teacher maps apex to onset and is the student's soft target.
            output = model.Forward([apex, onset]);
            Assert.Equal(2L, steps.item<long>());
            var taught = teacher.Forward(apex).Generated;
            var generated = student.Forward(apex).Generated;
            identity = Mse(taught, onset) + Mse(generated, onset) + Mse(generated, taught);
            Assert.Equal(identityWeight * identity, output.AuxiliaryLoss!.item<float>(), 4);
            Assert.Equal(Classification(output, weights) + identityWeight * identity,
                model.Loss(output, labelTensor, weightTensor).item<float>(), 4);
        }

        // Eval: no identity loss, the step count stays.
        model.eval();
        using (torch.no_grad())
        {
            var output = model.Forward([apex, onset]);
            Assert.Null(output.AuxiliaryLoss);
            Assert.Equal(2L, steps.item<long>());
            Assert.Equal(Classification(output, weights), model.Loss(output, labelTensor, weightTensor).item<float>(), 4);
        }
    }

    [Fact]
    public void Mfvan_settings_are_checked_as_version_1_checked_them()
    {
        var patch = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mfvan", Small(("patch", "12")), out _).Dispose());
        Assert.Contains("key 'patch' must be a multiple of 8", patch.Message);
        var heads = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mfvan", Small(("heads", "3")), out _).Dispose());
        Assert.Contains("key 'dim' must be a multiple of key 'heads'", heads.Message);
        var steps = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mfvan", Small(("teacher_pretrain_steps", "2.5")), out _).Dispose());
        Assert.Contains("key 'teacher_pretrain_steps' must be a whole number", steps.Message);
        using var model = ModelRegistry.Create("mfvan", Small(("teacher_pretrain_steps", "1099511627776")), out var resolved);
        Assert.Equal(1099511627776L, resolved["teacher_pretrain_steps"]!.GetValue<long>());
    }
}

using MerCluster.Training.Models;
using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

public class MfvanArchitectureTests
{
    // The small configuration of ModelsMfvanTests: 64x64 frames, 16x16 patches of the apex and 8/4 of the student's
    // first two maps (4x4 tokens at every scale), one 32-wide layer per scale.
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
    public void Mfvan_paper_config_has_the_parameter_count_counted_from_its_layers()
    {
        // configs/models/mfvan.yaml. The seed paper gives no parameter count (nor widths, depths or thresholds: the
        // config's ViT-Tiny-like scales are the project's reading), so there is no published number to check against.
        var settings = new Dictionary<string, string>
        {
            ["classes"] = "3", ["image_size"] = "224", ["patch"] = "16", ["width"] = "32", ["teacher_blocks"] = "2",
            ["dim"] = "192", ["heads"] = "3", ["mlp_dim"] = "768", ["depth"] = "4", ["transformer_dropout"] = "0.1",
            ["head_hidden"] = "256", ["dropout"] = "0.5", ["mask_threshold"] = "1.0", ["focal_gamma"] = "2.0",
            ["mask_weight"] = "1.0", ["identity_weight"] = "1.0", ["teacher_pretrain_epochs"] = "5", ["frames"] = "8",
        };
        var count = ModelProbe.ParameterCount("mfvan", settings);
        Assert.Equal(PaperConfigParameters, count);
    }

    // Counted by hand from the layers: autoencoders, three scales (the apex and the student's first two maps), the head.
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
        for (var s = 0; s < 3; s++)
        {
            var channels = s == 0 ? 3 : 32L << s;
            scales += Conv(channels, d, 16 >> s) + d + (tokens + 1) * d + 4 * block + 2 * d + Linear(d, d) + 2 * Linear(d, classes);
        }
        return Autoencoder(32, 2) + Autoencoder(32, 0) + scales + Linear(256 + 3 * d, 256) + Linear(256, classes);
    }

    // -alpha_t (1 - p_t)^gamma log p_t per sample, weighted mean, in doubles from the logits alone.
    private static double Focal(Tensor logits, long[] labels, double[] alpha, double[] weights, double gamma)
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
            sum += -alpha[labels[i]] * Math.Pow(1 - Math.Exp(logP), gamma) * logP * weights[i];
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
    public void Mfvan_loss_is_class_weighted_focal_over_fused_scale_and_masked_predictions_plus_the_weighted_identity_loss()
    {
        const double gamma = 1.5, maskWeight = 0.7, identityWeight = 2.5;
        var settings = Small(("dropout", "0"), ("transformer_dropout", "0"), ("focal_gamma", "1.5"), ("mask_weight", "0.7"),
            ("identity_weight", "2.5"));
        using var model = (Mfvan)ModelRegistry.Create("mfvan", settings, out _);
        var teacher = (MfvanAutoencoder)model.named_children().Single(c => c.name == "teacher").module;
        var student = (MfvanAutoencoder)model.named_children().Single(c => c.name == "student").module;
        var apex = torch.tensor(Frame(4, 64, seed: 3).Data, [4, 3, 64, 64]);
        var onset = torch.tensor(Frame(4, 64, seed: 4).Data, [4, 3, 64, 64]);
        long[] labels = [0, 2, 1, 2];
        var labelTensor = torch.tensor(labels);
        double[] weights = [1.0, 0.5, 2.0, 0.25];
        var weightTensor = torch.tensor(weights.Select(w => (float)w).ToArray());
        double[] ones = [1, 1, 1, 1];

        // The training rows' classes: one negative, one positive, two surprises: alpha = N / (classes n_c).
        using var generator = new Generator(1);
        model.Prepare(new TrainingRows([apex, onset], labelTensor, CPU, 4, generator, default));
        double[] alpha = [4 / 3.0, 4 / 3.0, 2 / 3.0];
        Assert.Equal(alpha, model.ClassWeights.to(float64).data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);

        double Classification(ModelOutput output, double[] w)
        {
            Assert.Equal(6, model.ScaleLogits.Count);
            var expected = Focal(output.Logits, labels, alpha, w, gamma);
            for (var i = 0; i < 6; i += 2)
                expected += Focal(model.ScaleLogits[i], labels, alpha, w, gamma) + maskWeight * Focal(model.ScaleLogits[i + 1], labels, alpha, w, gamma);
            return expected;
        }

        model.train();
        using (torch.no_grad())
        {
            // The teacher maps apex to onset and is the student's soft target.
            var output = model.Forward([apex, onset]);
            var taught = teacher.Forward(apex).Generated;
            var generated = student.Forward(apex).Generated;
            var identity = Mse(taught, onset) + Mse(generated, onset) + Mse(generated, taught);
            Assert.Equal(identityWeight * identity, output.AuxiliaryLoss!.item<float>(), 4);
            Assert.Equal(Classification(output, ones) + identityWeight * identity, model.Loss(output, labelTensor, null).item<float>(), 4);
            Assert.Equal(Classification(output, weights) + identityWeight * identity,
                model.Loss(output, labelTensor, weightTensor).item<float>(), 4);
        }

        // Eval: no identity loss.
        model.eval();
        using (torch.no_grad())
        {
            var output = model.Forward([apex, onset]);
            Assert.Null(output.AuxiliaryLoss);
            Assert.Equal(Classification(output, weights), model.Loss(output, labelTensor, weightTensor).item<float>(), 4);
        }
    }

    [Fact]
    public void Mfvan_has_exactly_three_scale_vits_the_apex_and_the_students_first_two_feature_maps()
    {
        using var model = (Mfvan)ModelRegistry.Create("mfvan", Small(), out _);
        Assert.Equal(["scale0", "scale1", "scale2"], model.named_children().Where(c => c.module is MfvanScale).Select(c => c.name));
        var shapes = model.TraceShapes([torch.zeros(1, 3, 64, 64), torch.zeros(1, 3, 64, 64)], out _);
        Assert.Equal([[8, 32, 32], [16, 16, 16]], shapes.Where(s => s.Name.EndsWith(".input", StringComparison.Ordinal)).Select(s => s.Shape));
        Assert.Equal(6, model.ScaleLogits.Count);
    }

    [Fact]
    public void The_teacher_pretraining_stage_reconstructs_every_frame_it_is_given_and_only_moves_the_teacher()
    {
        const int n = 3, frames = 2;
        using var model = (Mfvan)ModelRegistry.Create("mfvan", Small(("teacher_pretrain_epochs", "2"), ("frames", $"{frames}")), out _);
        Assert.Equal("frames", model.Inputs[2].Name);
        Assert.Equal([6, 64, 64], model.Inputs[2].Shape);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var frameTensor = torch.tensor(Frame(n, 64, seed: 5).Data.Concat(Frame(n, 64, seed: 6).Data).ToArray(), [n, 6, 64, 64]);
        using var generator = new Generator(2);
        model.Prepare(new TrainingRows([torch.zeros(n, 3, 64, 64), torch.zeros(n, 3, 64, 64), frameTensor], torch.tensor(new long[] { 0, 1, 2 }), CPU, 4, generator, default));
        Assert.Equal(n * frames, model.TeacherFrames);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var moved = !before[name].equal(parameter).all().item<bool>();
            Assert.True(moved == name.StartsWith("teacher.", StringComparison.Ordinal), $"{name} {(moved ? "moved" : "did not move")}");
        }
    }

    [Fact]
    public void Mfvan_settings_are_checked()
    {
        var patch = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mfvan", Small(("patch", "12")), out _).Dispose());
        Assert.Contains("key 'patch' must be a multiple of 4", patch.Message);
        var heads = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mfvan", Small(("heads", "3")), out _).Dispose());
        Assert.Contains("key 'dim' must be a multiple of key 'heads'", heads.Message);
        var epochs = Assert.Throws<TrainingException>(() => ModelRegistry.Create("mfvan", Small(("teacher_pretrain_epochs", "2.5")), out _).Dispose());
        Assert.Contains("key 'teacher_pretrain_epochs' must be a whole number", epochs.Message);
    }
}

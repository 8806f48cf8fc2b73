using MerCluster.Training.Models;
using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MerCluster.Training.Tests;

public class FrlDgtArchitectureTests
{
    // 64x64 faces, 30x30 regions with 6x6 patches (25 tokens), two layers per module so the block lists have indices > 0.
    private static Dictionary<string, string> Small(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["image_size"] = "64", ["region_size"] = "30", ["patch"] = "6", ["dim"] = "32", ["heads"] = "4", ["mlp_dim"] = "64",
            ["depth"] = "2", ["dgm_width"] = "4", ["head_hidden"] = "16",
        };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return settings;
    }

    // Sample i's 9 boxes: the portrait's (some reach above the face, so the border replication is exercised), moved
    // right by 0.03 i and down by 0.02 i, so every sample is cropped at its own places.
    private static (float[] Data, long[] Shape) Boxes(int n)
    {
        var data = new float[n * 36];
        for (var i = 0; i < n; i++)
            for (var k = 0; k < 36; k++)
                data[36 * i + k] = ModelsFrlDgtTests.PortraitBoxes[k] + (k % 4) switch { 0 => 0.03f * i, 1 => 0.02f * i, _ => 0 };
        return (data, [n, 1, 9, 4]);
    }

    private static (float[] Data, long[] Shape)[] Faces(int n, int size, int frames = 0)
    {
        List<(float[] Data, long[] Shape)> inputs =
            [ModelProbe.Input(n, [3, size, size], seed: 1), ModelProbe.Input(n, [3, size, size], seed: 2), Boxes(n)];
        if (frames > 0)
            inputs.Add(ModelProbe.Input(n, [3 * frames, size, size], seed: 3));
        return [.. inputs];
    }

    [Fact]
    public void Frl_dgt_paper_config_has_the_parameter_count_of_version_1()
    {
        var settings = TrainingConfig.Load(TrainingConfig.PathFor("frl_dgt")).Model.Settings;
        var count = ModelProbe.ParameterCount("frl_dgt", settings);

        // The paper gives no parameter count; its sizes (C = 256, 8 heads, 9 AU regions + full face at 90x90 in 18x18
        // patches = 25 tokens, an 8-channel stack) with this config's readings (depth 2, MLP 512, DGM width 32, FC 256)
        // give this total, counted by hand (21,581,368, of which the DGM 971,394).
        const long c = 256, mlp = 512, tokens = 25, heads = 8, depth = 2;
        const long layer = 4 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * mlp + mlp) + (mlp * c + c);
        static long Fusion(long n) => (c * 3 * c + 3 * c) + n + 2 * heads;
        static long Module(long n) => n * c + depth * layer + 2 * c + Fusion(n);
        const long region = 8 * 18 * 18 * c + c;  // patch embedding of the 8-channel stack
        long[] widths = [32, 64, 128, 256];
        static long Conv(long i, long o) => i * o * 9 + 2 * o;  // 3x3 without bias, batch norm weight and bias
        var dgm = Conv(6, widths[0]) + Conv(widths[0], widths[1]) + Conv(widths[1], widths[2]) + Conv(widths[2], widths[3]) +
                  Conv(widths[3] + widths[2], widths[2]) + Conv(widths[2] + widths[1], widths[1]) + Conv(widths[1] + widths[0], widths[0]) +
                  (widths[0] * 2 * 9 + 2);
        var head = (2 * c * 256 + 256) + (256 * 3 + 3);
        Assert.Equal(dgm + 10 * (region + Module(tokens)) + Module(9) + head, count);
    }

    private static RecognitionModel Build(params (string Key, string Value)[] extra) =>
        ModelRegistry.Create("frl_dgt", Small(extra), out _);

    private static List<Tensor> Tensors(IEnumerable<(float[] Data, long[] Shape)> inputs) =>
        inputs.Select(i => tensor(i.Data, i.Shape)).ToList();

    private static nn.Module<Tensor, Tensor, Tensor> Dgm(RecognitionModel model) =>
        (nn.Module<Tensor, Tensor, Tensor>)model.named_children().Single(c => c.name == "dgm").module;

    [Fact]
    public void Frl_dgt_trains_its_dgm_at_its_own_constant_rate_and_the_transformer_fusion_at_fusion_learning_rate_on_the_schedule()
    {
        using (var defaults = Build())
            Assert.Equal(1e-4, defaults.ParameterGroups()[1].LearningRate);
        using var model = Build(("dgm_learning_rate", "0.005"), ("fusion_learning_rate", "0.0003"));
        var groups = model.ParameterGroups();
        Assert.Equal(["dgm", "fusion"], groups.Select(g => g.Name));
        Assert.Equal((0.005, (double?)null, false), (groups[0].LearningRate!.Value, groups[0].WeightDecay, groups[0].Scheduled));
        Assert.Equal((0.0003, (double?)null, true), (groups[1].LearningRate!.Value, groups[1].WeightDecay, groups[1].Scheduled));

        // Every parameter in exactly one group: the DGM's (names dgm.*) in the first, all others in the second.
        var names = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var dgmNames = groups[0].Parameters.Select(p => names[p.Handle]).ToList();
        var fusionNames = groups[1].Parameters.Select(p => names[p.Handle]).ToList();
        Assert.All(dgmNames, n => Assert.StartsWith("dgm.", n));
        Assert.All(fusionNames, n => Assert.False(n.StartsWith("dgm.", StringComparison.Ordinal), n));
        Assert.Equal(names.Values.Order(StringComparer.Ordinal), dgmNames.Concat(fusionNames).Order(StringComparer.Ordinal));
        Assert.Contains("dgm.out.weight", dgmNames);
        Assert.Contains("global_fusion.fusion.query_mix.weight", fusionNames);
    }

    [Fact]
    public void In_training_the_auxiliary_loss_is_the_weighted_dgm_loss_of_both_directions_and_the_drawn_frame_pairs()
    {
        const int n = 3, size = 64, pairs = 2, frames = 4;
        using var model = (FrlDgt)Build(("frame_pairs", $"{pairs}"), ("frames", $"{frames}"), ("dropout", "0"), ("transformer_dropout", "0"),
            ("rec_weight", "7"), ("norm_weight", "3"), ("smooth_weight", "0.5"), ("displacement_scale", "0.5"));
        using var generator = new Generator(17);
        model.Random = generator;
        using var scope = NewDisposeScope();
        var inputs = Tensors(Faces(n, size, frames));
        model.eval();
        using (no_grad())
            Assert.Null(model.Forward(inputs).AuxiliaryLoss);

        model.train();
        var actual = model.Forward(inputs).AuxiliaryLoss!.item<float>();

        // Independently: the onset sampled at the pixel centres (2i + 1) / size - 1 moved by D, bilinear, border
        // replicated; L1 to the target; mean |D|; mean absolute forward differences along x and y. In training mode the
        // DGM's batch norm uses the batch statistics, so calling it again on the same batch gives the same D.
        using var _ = no_grad();
        var dgm = Dgm(model);
        var centres = (arange(size, dtype: float32) * 2 + 1) / size - 1;
        var identity = stack([centres.reshape(1, size).expand(size, size), centres.reshape(size, 1).expand(size, size)], -1);
        double Loss(Tensor from, Tensor to)
        {
            var d = dgm.forward(from, to);
            var moved = F.grid_sample(from, identity.unsqueeze(0) + d.permute(0, 2, 3, 1), GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
            var rec = (moved - to).abs().mean().item<float>();
            var norm = d.abs().mean().item<float>();
            var dx = (d[.., .., .., 1..] - d[.., .., .., ..(size - 1)]).abs().mean().item<float>();
            var dy = (d[.., .., 1.., ..] - d[.., .., ..(size - 1), ..]).abs().mean().item<float>();
            return 7 * rec + 3 * norm + 0.5 * (dx + dy);
        }
        // The pairs the forward pass drew, K per sample, each two frames of that sample's own clip.
        Assert.Equal(n * pairs, model.LastPairs.Count);
        Tensor Frame(int sample, int position) => inputs[3][sample, (3 * position)..(3 * position + 3)];
        var first = stack(model.LastPairs.Select((p, k) => Frame(k / pairs, p.First)).ToList(), 0);
        var second = stack(model.LastPairs.Select((p, k) => Frame(k / pairs, p.Second)).ToList(), 0);
        var expected = Loss(inputs[0], inputs[1]) + Loss(inputs[1], inputs[0]) + Loss(first, second);
        Assert.Equal(expected, actual, tolerance: 1e-4);
        Assert.True(expected > 1, $"the DGM loss {expected} is too small to tell anything");
    }

    [Fact]
    public void The_classification_gradient_reaches_the_dgm_scaled_by_dgm_gradient_scale()
    {
        using var reference = Build();
        var weights = reference.state_dict();
        Tensor Gradient(string scale)
        {
            using var model = Build(("dgm_gradient_scale", scale));
            model.load_state_dict(weights);
            model.eval();  // no dropout, running batch-norm statistics: the same function of the same weights for both scales
            var logits = model.Forward(Tensors(Faces(3, 64))).Logits;
            (logits * tensor(new float[] { 1, -2, 3 })).sum().backward();
            var weight = model.named_parameters().Single(p => p.name == "dgm.out.weight").parameter;
            return weight.grad!.clone();
        }
        var full = Gradient("1");
        var scaled = Gradient("0.001");
        Assert.True(full.abs().max().item<float>() > 1e-6, "no classification gradient reached the DGM");
        var relative = ((scaled * 1000 - full).abs().max() / full.abs().max()).item<float>();
        Assert.True(relative < 1e-4, $"gradient at scale 1e-3 x 1000 differs from the unscaled one by {relative:G3} (relative)");
    }

    [Fact]
    public void Each_samples_displacement_is_normalised_to_its_own_largest_value_then_scaled_by_alpha()
    {
        // Sample i's apex is its onset shifted by i + 1 pixels: displacements of very different sizes before the normalisation.
        const int n = 3, size = 32;
        var onset = tensor(ModelProbe.Input(1, [3, size, size], seed: 4).Data, [1, 3, size, size]);
        var apex = cat(Enumerable.Range(1, n).Select(shift => onset.roll(shift, 3)).ToList(), 0);
        foreach (var alpha in new[] { 0.2, 0.5 })
        {
            using var model = (FrlDgt)ModelRegistry.Create("frl_dgt", Small(("image_size", $"{size}"), ("displacement_scale", $"{alpha}")), out _);
            model.eval();
            using var noGrad = no_grad();
            var d = model.Displacement(onset.expand(n, 3, size, size), apex);
            var largest = d.abs().amax([1, 2, 3]).data<float>().ToArray();
            Assert.All(largest, m => Assert.Equal(alpha, m, 1e-5));
            // Normalised, not clipped: below the largest value the displacement keeps its spread.
            Assert.All(Enumerable.Range(0, n), i => Assert.True(d[i].abs().mean().item<float>() < 0.9 * alpha, $"sample {i} is saturated"));
        }
    }

    [Fact]
    public void Each_epoch_draws_other_frame_pairs_and_the_same_epoch_the_same_pairs()
    {
        const int n = 4, frames = 5;
        using var model = (FrlDgt)Build(("frame_pairs", "3"), ("frames", $"{frames}"));
        model.train();
        var inputs = Tensors(Faces(n, 64, frames));
        IReadOnlyList<(int First, int Second)> PairsOfEpoch(int epoch)
        {
            // The trainer's generator of that epoch, as it hands it to the model.
            using var generator = new Generator(Trainer.EpochSeed(1, epoch));
            model.Random = generator;
            using (no_grad())
                model.Forward(inputs);
            model.Random = null;
            return model.LastPairs;
        }
        var first = PairsOfEpoch(0);
        Assert.Equal(n * 3, first.Count);
        Assert.All(first, p => Assert.InRange(p.First, 0, frames - 1));
        Assert.All(first, p => Assert.InRange(p.Second, 0, frames - 1));
        Assert.All(first, p => Assert.NotEqual(p.First, p.Second));
        Assert.NotEqual(first, PairsOfEpoch(1));
        Assert.Equal(first, PairsOfEpoch(0));
    }

    [Fact]
    public void Apex_jitter_trains_on_the_apex_or_a_neighbour_and_predicts_from_the_apex()
    {
        const int n = 60, size = 8;
        using var model = (FrlDgt)Build(("apex_jitter", "true"));
        var apex = zeros(n, 3, size, size);
        var neighbours = cat([ones(n, 3, size, size), full(n, 3, size, size, 2f)], 1);
        using var generator = new Generator(3);
        model.Random = generator;
        var picked = model.JitterApex(apex, neighbours).mean([1, 2, 3]).data<float>().ToArray();
        Assert.All(picked, v => Assert.Contains(v, new[] { 0f, 1f, 2f }));
        Assert.All(new[] { 0f, 1f, 2f }, v => Assert.Contains(v, picked));

        // In eval the apex is the apex: the neighbours never reach a prediction.
        var faces = Tensors(Faces(3, 64));
        model.eval();
        using var noGrad = no_grad();
        var logits = model.Forward([.. faces, zeros(3, 6, 64, 64)]).Logits;
        Assert.Equal(logits.data<float>().ToArray(), model.Forward([.. faces, ones(3, 6, 64, 64)]).Logits.data<float>().ToArray());
    }
}

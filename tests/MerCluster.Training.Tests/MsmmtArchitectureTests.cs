using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

public sealed class MsmmtArchitectureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("msmmt-parity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // msmmt-small's ViT (3 layers, 64 wide, 4 heads) with a narrower head.
    private static Dictionary<string, string> Small(int imageSize, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["image_size"] = imageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["dim"] = "64", ["depth"] = "3", ["heads"] = "4", ["mlp_dim"] = "128", ["head_hidden"] = "32",
        };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return settings;
    }

    private static IReadOnlyList<(float[] Data, long[] Shape)> Inputs(int n, long side) =>
        [ModelProbe.Input(n, [3, side, side], seed: 1), ModelProbe.Input(n, [3, side, side], seed: 2)];

    [Fact]
    public void Msmmt_loads_timm_weights_into_both_vits_with_positions_resampled()
    {
        // A 2x2 position grid (5 positions) where the model has 4x4: both resample it bicubically; head.* is ignored.
        var random = new Random(3);
        (int[], float[]) Tensor(params int[] shape) =>
            (shape, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
        var timm = new Dictionary<string, (int[] Shape, float[] Data)>
        {
            ["cls_token"] = Tensor(1, 1, 64), ["pos_embed"] = Tensor(1, 5, 64),
            ["patch_embed.proj.weight"] = Tensor(64, 3, 16, 16), ["patch_embed.proj.bias"] = Tensor(64),
            ["norm.weight"] = Tensor(64), ["norm.bias"] = Tensor(64), ["head.weight"] = Tensor(1000, 64),
        };
        for (var b = 0; b < 3; b++)
            foreach (var (name, shape) in new (string, int[])[]
                     {
                         ("norm1.weight", [64]), ("norm1.bias", [64]), ("attn.qkv.weight", [192, 64]), ("attn.qkv.bias", [192]),
                         ("attn.proj.weight", [64, 64]), ("attn.proj.bias", [64]), ("norm2.weight", [64]), ("norm2.bias", [64]),
                         ("mlp.fc1.weight", [128, 64]), ("mlp.fc1.bias", [128]), ("mlp.fc2.weight", [64, 128]), ("mlp.fc2.bias", [64]),
                     })
                timm[$"blocks.{b}.{name}"] = Tensor(shape);
        var file = Path.Combine(_dir, "vit.safetensors");
        ModelsSupport.WriteSafetensors(file, timm);
        var settings = Small(64, ("weights", file));

        // The trainer loads the setting into both modality ViTs (parity with the C++ load was checked before it was deleted).
        using var trainer = Trainer.Create(new ModelOptions { Name = "msmmt", Settings = settings }, new TrainOptions { Threads = 1 });
        using var fresh = ModelRegistry.Create("msmmt", Small(64), out _);
        var loaded = trainer.State();
        var initial = fresh.state_dict();
        foreach (var vit in new[] { "dynamic_image.vit.", "flow_uvs.vit." })
        {
            // Tensors of the file's shape are the file's exactly; head.* has no place in the model.
            foreach (var (name, (_, data)) in timm.Where(t => t.Key is not ("pos_embed" or "head.weight")))
                Assert.Equal(data, loaded[vit + name].data<float>().ToArray());
            // pos_embed comes from a 2x2 grid: resampled to the model's 4x4, the class position kept as it is.
            var positions = loaded[vit + "pos_embed"];
            Assert.Equal([1L, 17, 64], positions.shape);
            Assert.Equal(timm["pos_embed"].Data.Take(64), positions[0, 0].data<float>().ToArray());
            Assert.NotEqual(initial[vit + "pos_embed"].data<float>().ToArray(), positions.data<float>().ToArray());
        }
        Assert.DoesNotContain(loaded.Keys, k => k.Contains("head", StringComparison.Ordinal));
    }

    [Fact]
    public void Msmmt_paper_config_has_the_parameter_count_of_version_1_and_two_vit_b_16()
    {
        var settings = new Dictionary<string, string>
        {
            ["classes"] = "3", ["image_size"] = "224", ["dim"] = "768", ["depth"] = "12", ["heads"] = "12", ["mlp_dim"] = "3072",
            ["head_hidden"] = "512", ["dropout"] = "0.5", ["alpha"] = "0.1", ["temperature"] = "0.07", ["weights"] = "",
        };
        var count = ModelProbe.ParameterCount("msmmt", settings);
        Assert.Equal(173_958_659, count);
        // The seed paper gives no parameter count. Its backbone is ViT-B/16, which Dosovitskiy et al. (its ref. 32,
        // Table 1) give as 86M: each modality's encoder (without timm's 1000-class head) rounds to that.
        using var port = ModelRegistry.Create("msmmt", settings, out _);
        var perModality = port.named_parameters().Where(p => p.name.StartsWith("flow_uvs.", StringComparison.Ordinal)).Sum(p => p.parameter.numel());
        Assert.Equal(85_798_656, perModality);
        Assert.InRange(perModality, 85_500_000, 86_500_000);
    }

    [Fact]
    public void Msmmt_loss_is_alpha_cross_entropy_plus_one_minus_alpha_cross_modal_infonce()
    {
        const double alpha = 0.25, temperature = 0.5;
        using var model = ModelRegistry.Create("msmmt", Small(64, ("alpha", "0.25"), ("temperature", "0.5")), out _);
        model.eval();
        using var scope = NewDisposeScope();
        var inputs = Inputs(4, 64).Select(i => tensor(i.Data, i.Shape)).ToList();
        var output = model.Forward(inputs);
        var labels = tensor(new long[] { 0, 2, 1, 2 });
        var sampleWeights = tensor(new float[] { 1, 0.5f, 2, 0.25f });
        var logits = To2D(output.Logits);
        var features = To2D(output.Features);
        var half = features[0].Length / 2;

        double[] CrossEntropies(double[][] scores, long[] targets) => scores.Select((row, i) =>
        {
            var max = row.Max();
            return Math.Log(row.Sum(v => Math.Exp(v - max))) + max - row[targets[i]];
        }).ToArray();
        double[] Unit(double[] v)
        {
            var norm = Math.Max(Math.Sqrt(v.Sum(x => x * x)), 1e-12);
            return v.Select(x => x / norm).ToArray();
        }
        var a = features.Select(f => Unit(f[..half])).ToArray();
        var b = features.Select(f => Unit(f[half..])).ToArray();
        var n = features.Length;
        var similarity = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => a[i].Zip(b[j], (x, y) => x * y).Sum() / temperature).ToArray()).ToArray();
        var transposed = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => similarity[j][i]).ToArray()).ToArray();
        var diagonal = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var infoNce = CrossEntropies(similarity, diagonal).Zip(CrossEntropies(transposed, diagonal), (x, y) => (x + y) / 2).ToArray();
        var ce = CrossEntropies(logits, [0, 2, 1, 2]);
        double[] w = [1, 0.5, 2, 0.25];

        var plain = (1 - alpha) * infoNce.Average() + alpha * ce.Average();
        var weighted = (1 - alpha) * infoNce.Zip(w, (x, y) => x * y).Sum() / w.Sum() + alpha * ce.Zip(w, (x, y) => x * y).Sum() / w.Sum();
        Assert.Equal(plain, model.Loss(output, labels, null).item<float>(), 4);
        Assert.Equal(weighted, model.Loss(output, labels, sampleWeights).item<float>(), 4);
        Assert.NotEqual(infoNce.Average(), ce.Average(), 2);
    }

    [Fact]
    public void Msmmt_trains_all_its_parameters_in_one_group()
    {
        using var model = ModelRegistry.Create("msmmt", Small(64), out _);
        var groups = model.ParameterGroups();
        var group = Assert.Single(groups);
        Assert.Equal("all", group.Name);
        Assert.Null(group.LearningRate);
        Assert.Equal(model.parameters().Count(), group.Parameters.Count);
    }

    [Fact]
    public void Msmmt_reads_every_version_1_setting_with_its_default()
    {
        using var model = ModelRegistry.Create("msmmt", new Dictionary<string, string> { ["depth"] = "2", ["dim"] = "16", ["heads"] = "2", ["mlp_dim"] = "16" }, out var resolved);
        Assert.Equal(["classes", "image_size", "dim", "heads", "mlp_dim", "depth", "head_hidden", "dropout", "alpha", "temperature", "weights"],
            resolved.Select(kv => kv.Key));
        Assert.Equal(224, (int)resolved["image_size"]!);
        Assert.Equal(512, (int)resolved["head_hidden"]!);
        Assert.Equal(0.07, (double)resolved["temperature"]!);
        var error = Assert.Throws<TrainingException>(() => ModelRegistry.Create("msmmt", new Dictionary<string, string> { ["image_size"] = "100" }, out _));
        Assert.Contains("image_size", error.Message);
        error = Assert.Throws<TrainingException>(() => ModelRegistry.Create("msmmt", new Dictionary<string, string> { ["dim"] = "100", ["heads"] = "12" }, out _));
        Assert.Contains("'heads'", error.Message);
    }

    private static double[][] To2D(Tensor t)
    {
        var data = t.to_type(ScalarType.Float64).data<double>().ToArray();
        var columns = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => data[(r * columns)..((r + 1) * columns)]).ToArray();
    }
}

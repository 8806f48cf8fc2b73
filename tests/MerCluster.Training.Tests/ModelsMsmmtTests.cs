namespace MerCluster.Training.Tests;

public sealed class ModelsMsmmtTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("msmmt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The small configuration: 64x64 inputs, scales 64/32/16 -> 4x4, 2x2 and 1x1 patch grids.
    private static ModelOptions Small(params (string Key, object Value)[] extra) => ModelsSupport.Model("msmmt",
        [("image_size", 64), ("dim", 64), ("depth", 3), ("heads", 4), ("mlp_dim", 128), ("head_hidden", 32), .. extra]);

    private static MerCluster.Core.Features.FeatureSet Set(int subjects = 2, int perSubject = 3) =>
        ModelsSupport.Inputs(subjects, perSubject, 64, ("dynamic_image", 3), ("flow_uvs", 3));

    [Fact]
    public void Msmmt_takes_a_dynamic_image_and_a_flow_strain_image_and_runs_three_scales_per_modality()
    {
        using var trainer = Trainer.Create(Small(), new TrainOptions { Threads = 1 });
        var d = trainer.Description;
        Assert.Equal(["dynamic_image", "flow_uvs"], d.Inputs.Select(i => i.Name));
        Assert.All(d.Inputs, i => Assert.Equal([3, 64, 64], i.Shape));
        foreach (var modality in new[] { "dynamic_image", "flow_uvs" })
        {
            Assert.Equal([1 + 16, 64], d.ShapeOf($"{modality}.scale1.tokens"));
            Assert.Equal([1 + 4, 64], d.ShapeOf($"{modality}.scale2.tokens"));
            Assert.Equal([1 + 1, 64], d.ShapeOf($"{modality}.scale3.tokens"));
            Assert.Equal([16], d.ShapeOf($"{modality}.scale1.patch_weights"));
            Assert.Equal([3 * 64], d.ShapeOf($"{modality}.class_tokens"));
        }
        Assert.Equal([32], d.ShapeOf("fc1"));
        Assert.Equal([3], d.ShapeOf("fc2"));
        Assert.Equal(2 * 3 * 64, d.FeatureSize);
    }

    [Fact]
    public void Msmmt_cuts_a_scale_that_is_no_multiple_of_16_to_the_grid_below_it()
    {
        using var trainer = Trainer.Create(ModelsSupport.Model("msmmt", ("image_size", 224), ("dim", 32), ("depth", 2), ("heads", 2), ("mlp_dim", 32)),
            new TrainOptions { Threads = 1 });
        Assert.Equal([1 + 14 * 14, 32], trainer.Description.ShapeOf("flow_uvs.scale1.tokens"));
        Assert.Equal([1 + 7 * 7, 32], trainer.Description.ShapeOf("flow_uvs.scale2.tokens"));
        Assert.Equal([1 + 3 * 3, 32], trainer.Description.ShapeOf("flow_uvs.scale3.tokens"));
    }

    [Fact]
    public void Msmmt_paper_config_is_two_vit_b_16_encoders_and_the_fc_head()
    {
        var config = TrainingConfig.Load(TrainingConfig.PathFor("msmmt"));
        using var trainer = Trainer.Create(config.Model, config.Train with { Threads = 1 });
        // ViT-B/16 without its classifier: patch embedding, class token, 197 positions, 12 blocks, final norm.
        const long block = 2 * 768 + (768 * 2304 + 2304) + (768 * 768 + 768) + 2 * 768 + (768 * 3072 + 3072) + (3072 * 768 + 768);
        const long vitB = (768 * 3 * 16 * 16 + 768) + 768 + 197 * 768 + 12 * block + 2 * 768;
        Assert.Equal(85_798_656, vitB);
        const long head = (6 * 768 * 512 + 512) + (512 * 3 + 3);
        Assert.Equal(2 * vitB + head, trainer.Description.Parameters);
        Assert.Equal([1 + 14 * 14, 768], trainer.Description.ShapeOf("dynamic_image.scale1.tokens"));
    }

    [Fact]
    public void One_msmmt_optimisation_step_lowers_the_loss_on_a_fixed_batch()
    {
        var set = Set();
        using var trainer = Trainer.Create(Small(("dropout", 0)), ModelsSupport.FullBatch(set.Count, 2, 1e-3));
        var losses = ModelsSupport.EpochLosses(trainer, set);
        Assert.True(losses[1] < losses[0], $"loss went from {losses[0]} to {losses[1]}");
    }

    [Fact]
    public void Msmmt_loss_mixes_infonce_and_cross_entropy_by_alpha()
    {
        var set = Set();
        double FirstLoss(double alpha)
        {
            using var trainer = Trainer.Create(Small(("dropout", 0), ("alpha", alpha)), ModelsSupport.FullBatch(set.Count, 1, 1e-3));
            return ModelsSupport.EpochLosses(trainer, set)[0];
        }
        var (contrastive, crossEntropy, mixed) = (FirstLoss(0), FirstLoss(1), FirstLoss(0.25));
        Assert.Equal(0.75 * contrastive + 0.25 * crossEntropy, mixed, 4);
        Assert.NotEqual(contrastive, crossEntropy, 3);
    }

    [Fact]
    public void Msmmt_trains_a_fold_through_the_trainer_and_predicts_the_held_out_subject()
    {
        var set = Set(subjects: 3, perSubject: 3);
        var fold = Folds.LeaveOut(set, "casme2/sub02");
        var result = Trainer.TrainFold(new TrainingConfig { Model = Small(), Train = Synthetic.Fast(epochs: 2, batch: 4) }, set, fold);
        Assert.Equal(3, result.Predictions.Count);
        Assert.All(result.Predictions, p => Assert.Equal(1.0, p.Probabilities.Sum(), 4));
        Assert.True(double.IsFinite(result.FinalLoss));
    }

    private Dictionary<string, (int[] Shape, float[] Data)> SmallVitWeights(int positions)
    {
        var random = new Random(3);
        (int[], float[]) Tensor(params int[] shape) =>
            (shape, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
        var weights = new Dictionary<string, (int[] Shape, float[] Data)>
        {
            ["cls_token"] = Tensor(1, 1, 64),
            ["pos_embed"] = Tensor(1, positions, 64),
            ["patch_embed.proj.weight"] = Tensor(64, 3, 16, 16),
            ["patch_embed.proj.bias"] = Tensor(64),
            ["norm.weight"] = Tensor(64),
            ["norm.bias"] = Tensor(64),
            ["head.weight"] = Tensor(1000, 64),
        };
        for (var b = 0; b < 3; b++)
            foreach (var (name, shape) in new (string, int[])[]
                     {
                         ("norm1.weight", [64]), ("norm1.bias", [64]), ("attn.qkv.weight", [192, 64]), ("attn.qkv.bias", [192]),
                         ("attn.proj.weight", [64, 64]), ("attn.proj.bias", [64]), ("norm2.weight", [64]), ("norm2.bias", [64]),
                         ("mlp.fc1.weight", [128, 64]), ("mlp.fc1.bias", [128]), ("mlp.fc2.weight", [64, 128]), ("mlp.fc2.bias", [64]),
                     })
                weights[$"blocks.{b}.{name}"] = Tensor(shape);
        return weights;
    }

    [Fact]
    public void Msmmt_starts_both_vits_from_a_timm_safetensors_file_resampling_its_positions()
    {
        var path = Path.Combine(_dir, "vit.safetensors");
        // A 2x2 position grid (5 positions) where the model has 4x4: resampled on load; head.* is ignored.
        ModelsSupport.WriteSafetensors(path, SmallVitWeights(positions: 5));
        var set = Set();
        float[][] Features(long seed, bool withWeights)
        {
            using var trainer = Trainer.Create(withWeights ? Small(("weights", path)) : Small(), new TrainOptions { Seed = seed, Threads = 1 });
            return trainer.Features(set);
        }
        // Everything before the head comes from the file, so the initial seed no longer matters there.
        Assert.Equal(Features(1, true), Features(2, true));
        Assert.NotEqual(Features(1, false), Features(2, false));
    }

    [Fact]
    public void A_missing_msmmt_weights_file_is_an_error_naming_it()
    {
        var path = Path.Combine(_dir, "absent.safetensors");
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Small(("weights", path)), new TrainOptions { Threads = 1 }));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_weights_file_with_a_wrongly_shaped_tensor_is_an_error_naming_the_tensor()
    {
        var weights = SmallVitWeights(positions: 17);
        weights["blocks.1.mlp.fc1.weight"] = ([256, 64], new float[256 * 64]);
        var path = Path.Combine(_dir, "wrong.safetensors");
        ModelsSupport.WriteSafetensors(path, weights);
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Small(("weights", path)), new TrainOptions { Threads = 1 }));
        Assert.Contains("blocks.1.mlp.fc1.weight", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Msmmt_rejects_an_image_size_that_is_no_multiple_of_16()
    {
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(ModelsSupport.Model("msmmt", ("image_size", 100)), new TrainOptions { Threads = 1 }));
        Assert.Contains("image_size", error.Message);
    }
}

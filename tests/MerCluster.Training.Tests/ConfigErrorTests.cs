using MerCluster.Core.Configuration;
using MerCluster.Core.Features;

namespace MerCluster.Training.Tests;

public sealed class ConfigErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("train-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_unknown_model_is_an_error_naming_it_and_the_registered_ones()
    {
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(new ModelOptions { Name = "resnet9000" }, new TrainOptions()));
        Assert.Equal(TrainingStatus.Argument, error.Status);
        Assert.Contains("resnet9000", error.Message);
        Assert.Contains("ststnet", error.Message);
    }

    [Fact]
    public void A_negative_learning_rate_is_an_error_naming_the_key()
    {
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Synthetic.Ststnet(), new TrainOptions { LearningRate = -0.1 }));
        Assert.Contains("'learning_rate'", error.Message);
    }

    [Fact]
    public void An_unknown_model_key_is_an_error_naming_the_key()
    {
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(
            new ModelOptions { Name = "mjfn", Settings = new Dictionary<string, string> { ["fusoin"] = "average" } }, new TrainOptions()));
        Assert.Contains("unknown key 'fusoin'", error.Message);
        Assert.Contains("model 'mjfn'", error.Message);
    }

    [Fact]
    public void A_bad_model_value_is_an_error_naming_the_key_and_the_choices()
    {
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(
            new ModelOptions { Name = "mjfn", Settings = new Dictionary<string, string> { ["fusion"] = "max" } }, new TrainOptions()));
        Assert.Contains("'fusion'", error.Message);
        Assert.Contains("average", error.Message);
    }

    [Fact]
    public void An_unknown_training_key_is_an_error_naming_the_key()
    {
        var path = Path.Combine(_dir, "a.ckpt");
        using (var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast()))
            trainer.Save(path);
        var error = Assert.Throws<TrainingException>(() => Trainer.Load(path, new Dictionary<string, object> { ["learnig_rate"] = 0.1 }));
        Assert.Contains("unknown key 'learnig_rate'", error.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_model_config_file_names_the_file_key_and_line()
    {
        var path = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(path, "model:\n  name: ststnet\ntrain:\n  epochs: 3\n  learnig_rate: 0.1\n");
        var error = Assert.Throws<ConfigException>(() => TrainingConfig.Load(path));
        Assert.Equal("train.learnig_rate", error.KeyPath);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void A_wrong_input_shape_is_an_error_naming_the_input_and_the_expected_shape()
    {
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast());
        var error = Assert.Throws<TrainingException>(() => trainer.Fit(Synthetic.Separable(1, 3, size: 32), fold: "casme2/sub01"));
        Assert.Contains("input 'flow_uvs'", error.Message);
        Assert.Contains("[3,28,28]", error.Message);
        Assert.Contains("fold 'casme2/sub01'", error.Message);
    }

    [Fact]
    public void A_feature_set_missing_a_named_input_is_an_error_naming_it()
    {
        // Inputs are matched by name even when both sides have one: another pipeline's single output is not STSTNet's.
        var set = Synthetic.Separable(1, 3);
        var other = new FeatureSet(set.Classes, set.Samples, [KeyValuePair.Create("flow_image", set.Inputs["flow_uvs"])]);
        using var trainer = Trainer.Create(Synthetic.Ststnet(), Synthetic.Fast());
        var error = Assert.Throws<TrainingException>(() => trainer.Predict(other));
        Assert.Contains("no input 'flow_uvs'", error.Message);
        Assert.Contains("flow_image", error.Message);
    }

    [Fact]
    public void A_cuda_device_that_is_not_there_is_an_error_naming_the_device_key()
    {
        // No machine has 99 GPUs, and a CPU-only libtorch has none: both fail the same way.
        var error = Assert.Throws<TrainingException>(() => Trainer.Create(Synthetic.Ststnet(), new TrainOptions { Device = "cuda:99" }));
        Assert.Contains("'device'", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_is_an_io_error_naming_it()
    {
        var path = Path.Combine(_dir, "junk.ckpt");
        File.WriteAllText(path, "not a checkpoint");
        var error = Assert.Throws<TrainingException>(() => Trainer.Load(path));
        Assert.Equal(TrainingStatus.Io, error.Status);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("ststnet")]
    [InlineData("mjfn")]
    public void The_shipped_model_configs_bind_and_build(string model)
    {
        var config = TrainingConfig.ForModel(model);
        Assert.Equal(model, config.Model.Name);
        using var trainer = Trainer.Create(config.Model, config.Train with { Threads = 1 });
        Assert.Equal(config.Train.Epochs, (int?)trainer.Description.TrainConfig["epochs"]);
    }
}

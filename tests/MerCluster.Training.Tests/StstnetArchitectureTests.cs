using MerCluster.Training.Torch;

namespace MerCluster.Training.Tests;

public class StstnetArchitectureTests
{
    [Fact]
    public void Ststnet_has_the_official_codes_tensor_names_and_parameter_count()
    {
        // The official STSTNet code's names, so its authors' per-subject weights load as they are; its size: three
        // 3x3 convolutions of 3, 5 and 8 filters on 3 channels (84 + 140 + 224), their batch norms (2 x 16), and the
        // classifier on 5 x 5 x 16 features (1203).
        using var model = ModelRegistry.Create("ststnet", new Dictionary<string, string>(), out _);
        Assert.Equal(
            ["bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight",
             "bn2.bias", "bn2.num_batches_tracked", "bn2.running_mean", "bn2.running_var", "bn2.weight",
             "bn3.bias", "bn3.num_batches_tracked", "bn3.running_mean", "bn3.running_var", "bn3.weight",
             "conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "conv3.bias", "conv3.weight", "fc.bias", "fc.weight"],
            model.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(84 + 140 + 224 + 32 + 1203, ModelProbe.ParameterCount("ststnet", new Dictionary<string, string>()));
    }
}

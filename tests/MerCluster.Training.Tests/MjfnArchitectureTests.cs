using MerCluster.Training.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MerCluster.Training.Tests;

public class MjfnArchitectureTests
{
    // The backbone's sizes are fixed by Table 1 (FC_1 takes 5x5x128), so every case runs on 224x224 flow images.
    [Fact]
    public void Paper_configuration_has_the_parameter_count_of_version_1()
    {
        // configs/models/mjfn.yaml model.settings.
        var count = ModelProbe.ParameterCount("mjfn", new Dictionary<string, string>
        {
            ["classes"] = "3", ["dropout"] = "0.5", ["joint_modules"] = "3", ["fusion"] = "softmax",
        });
        // The paper states no total; this is the count its Table 1 and Fig. 3 imply: conv1 3*11*11*48+48,
        // conv2 48*5*5*128+128, conv3..5 3*(128*9*128+128), FC_1 3200*256+256, FC_2 256*256+256, FC_3 256*3+3, and per
        // JFM a 1x1 conv 128*128+128, FC 3200*256+256 and classifier 256*3+3.
        const long backbone = 17_472 + 153_728 + 3 * 147_584 + 819_456 + 65_792 + 771;
        const long jointModule = 16_512 + 819_456 + 771;
        Assert.Equal(backbone + 3 * jointModule, count);
        Assert.Equal(4_010_188, count);
    }

    [Fact]
    public void Dropout_masks_of_backbone_and_joint_modules_come_from_the_model_generator()
    {
        using var model = ModelRegistry.Create("mjfn", new Dictionary<string, string> { ["joint_modules"] = "1" }, out _);
        model.train();
        var (data, shape) = ModelProbe.Input(2, [3, 224, 224], seed: 5);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(data, shape);
        Tensor Features(ulong seed)
        {
            model.Random = new Generator(seed);
            return model.Forward([x]).Features;
        }
        var first = Features(11);
        var again = Features(11);
        var other = Features(12);
        Assert.True(first.equal(again).all().item<bool>(), "the same generator seed must give the same dropout masks");
        // Features are [backbone FC_2 | jfm4 FC]: both halves change with the generator's seed.
        Assert.False(first[.., ..256].equal(other[.., ..256]).all().item<bool>());
        Assert.False(first[.., 256..].equal(other[.., 256..]).all().item<bool>());
        Assert.Equal([2, 512], first.shape);
    }
}

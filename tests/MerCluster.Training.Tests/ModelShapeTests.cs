namespace MerCluster.Training.Tests;

public class ModelShapeTests
{
    private static ModelDescription Describe(string model, Dictionary<string, string>? settings = null)
    {
        using var trainer = Trainer.Create(new ModelOptions { Name = model, Settings = settings ?? [] }, new TrainOptions { Threads = 1 });
        return trainer.Description;
    }

    [Fact]
    public void Mjfn_backbone_shapes_follow_table_1_of_its_paper()
    {
        var mjfn = Describe("mjfn");
        Assert.Equal([3, 224, 224], mjfn.Inputs.Single().Shape);
        Assert.Equal([48, 54, 54], mjfn.ShapeOf("conv1"));
        Assert.Equal([48, 26, 26], mjfn.ShapeOf("pool1"));
        Assert.Equal([128, 26, 26], mjfn.ShapeOf("conv2"));
        Assert.Equal([128, 12, 12], mjfn.ShapeOf("pool2"));
        Assert.Equal([128, 12, 12], mjfn.ShapeOf("conv3"));
        Assert.Equal([128, 12, 12], mjfn.ShapeOf("conv4"));
        Assert.Equal([128, 12, 12], mjfn.ShapeOf("conv5"));
        Assert.Equal([128, 5, 5], mjfn.ShapeOf("pool3"));
        Assert.Equal([256], mjfn.ShapeOf("fc1"));
        Assert.Equal([256], mjfn.ShapeOf("fc2"));
        Assert.Equal([3], mjfn.ShapeOf("fc3"));
    }

    [Fact]
    public void Mjfn_has_three_joint_feature_modules_pooled_like_conv5()
    {
        var mjfn = Describe("mjfn");
        foreach (var jfm in new[] { "jfm4", "jfm3", "jfm2" })
            Assert.Equal([128, 5, 5], mjfn.ShapeOf(jfm));
        Assert.Equal(4 * 256, mjfn.FeatureSize);
    }

    [Fact]
    public void Mjfn_parameter_count_is_the_backbone_plus_one_block_per_joint_feature_module()
    {
        // conv1 3*11*11*48+48, conv2 48*5*5*128+128, conv3..5 3*(128*9*128+128), FC 3200*256+256, 256*256+256, 256*3+3
        const long backbone = 17_472 + 153_728 + 3 * 147_584 + 819_456 + 65_792 + 771;
        // 1x1 conv 128*128+128, FC 3200*256+256, classifier 256*3+3
        const long jointModule = 16_512 + 819_456 + 771;
        Assert.Equal(backbone, Describe("mjfn", new() { ["joint_modules"] = "0" }).Parameters);
        Assert.Equal(backbone + 3 * jointModule, Describe("mjfn").Parameters);
        Assert.Equal(backbone + jointModule, Describe("mjfn", new() { ["joint_modules"] = "1" }).Parameters);
    }

    [Fact]
    public void Mjfn_without_joint_feature_modules_is_the_backbone_alone()
    {
        var backbone = Describe("mjfn", new() { ["joint_modules"] = "0" });
        Assert.DoesNotContain(backbone.Shapes, s => s.Name.StartsWith("jfm", StringComparison.Ordinal));
        Assert.Equal(256, backbone.FeatureSize);
    }

    [Fact]
    public void Mjfn_average_fusion_still_predicts_probabilities()
    {
        using var trainer = Trainer.Create(new ModelOptions { Name = "mjfn", Settings = new Dictionary<string, string> { ["fusion"] = "average" } },
            new TrainOptions { Threads = 1 });
        var probabilities = trainer.Predict(Synthetic.Separable(1, 2, size: 224, input: "flow_image"));
        foreach (var row in probabilities)
            Assert.Equal(1.0, row.Sum(), 4);
    }

    [Fact]
    public void Ststnet_streams_merge_into_400_features_as_in_its_public_code()
    {
        var ststnet = Describe("ststnet");
        Assert.Equal([3, 28, 28], ststnet.Inputs.Single().Shape);
        Assert.Equal([3, 10, 10], ststnet.ShapeOf("stream3"));
        Assert.Equal([5, 10, 10], ststnet.ShapeOf("stream5"));
        Assert.Equal([8, 10, 10], ststnet.ShapeOf("stream8"));
        Assert.Equal([16, 10, 10], ststnet.ShapeOf("concat"));
        Assert.Equal([16, 5, 5], ststnet.ShapeOf("avgpool"));
        Assert.Equal([400], ststnet.ShapeOf("flatten"));
        Assert.Equal([3], ststnet.ShapeOf("fc"));
        Assert.Equal(400, ststnet.FeatureSize);
        // convs 3*9*k+k for k = 3, 5, 8; batch norms 2*16; FC 400*3+3
        Assert.Equal(84 + 140 + 224 + 32 + 1203, ststnet.Parameters);
    }

    [Fact]
    public void The_registry_lists_every_model_with_its_inputs_and_defaults()
    {
        var models = TrainingCore.Models();
        var mjfn = models.Single(m => m.Name == "mjfn");
        Assert.Equal("flow_image", mjfn.Inputs.Single().Name);
        Assert.Equal("softmax", (string?)mjfn.Defaults["fusion"]);
        Assert.Equal(3, (int?)mjfn.Defaults["joint_modules"]);
        Assert.Contains(models, m => m.Name == "ststnet" && m.Inputs.Single().Name == "flow_uvs");
    }
}

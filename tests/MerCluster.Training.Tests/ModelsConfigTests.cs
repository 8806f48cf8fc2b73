namespace MerCluster.Training.Tests;

public class ModelsConfigTests
{
    // The paper configs of MSMMT, FRL-DGT, MFVAN and MobileViT-SVM (which needs its macro checkpoint) are built by their own tests; these are the rest.
    [Theory]
    [InlineData("msmmt-small", "msmmt")]
    [InlineData("mobilevit_svm-macro", "mobilevit_svm")]
    [InlineData("mobilevit_svm-small", "mobilevit_svm")]
    [InlineData("frl_dgt-small", "frl_dgt")]
    [InlineData("mfvan-small", "mfvan")]
    [InlineData("mjfn-small", "mjfn")]
    [InlineData("ststnet-small", "ststnet")]
    public void A_seed_model_config_file_binds_and_builds_its_model(string file, string model)
    {
        var config = TrainingConfig.Load(Path.Combine(MerCluster.Core.RepositoryPaths.Configs, "models", $"{file}.yaml"));
        Assert.Equal(model, config.Model.Name);
        using var trainer = Trainer.Create(config.Model, config.Train with { Threads = 1 });
        Assert.Equal(3, trainer.Description.Classes);
    }
}

using MerCluster.Core;
using MerCluster.Core.Features;
using MerCluster.Datasets.Synthetic;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Training;

namespace MerCluster.Orchestration.Tests;

/// <summary>
/// Each seed model's small config through the real CLI on the small synthetic composite, as the README gives it:
/// `mer preprocess` with the config's own pipeline builds the feature set, `mer train` trains one fold (1 epoch) on it
/// and writes the held-out subject's predictions.
/// </summary>
public sealed class SmallConfigCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Every_small_config_preprocesses_the_small_synthetic_composite_and_trains_a_fold_through_mer_train()
    {
        var synthetic = _temp.File("synthetic");
        SyntheticDataset.Write(synthetic, new SynthOptions { Scale = SynthScale.Small, Seed = 3, Difficulty = SynthDifficulty.Easy });
        string[] roots = ["--casme2", Path.Combine(synthetic, "CASME2"), "--samm", Path.Combine(synthetic, "SAMM"), "--smic", Path.Combine(synthetic, "SMIC")];
        var configs = Directory.GetFiles(Path.Combine(RepositoryPaths.Configs, "models"), "*-small.yaml").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["frl_dgt-small.yaml", "mfvan-small.yaml", "mjfn-small.yaml", "mobilevit_svm-small.yaml", "msmmt-small.yaml", "ststnet-small.yaml"], configs.Select(Path.GetFileName));

        foreach (var config in configs)
        {
            var settings = TrainingConfig.Load(config);
            var features = _temp.File($"{settings.Pipeline}-features");
            using (var preprocess = MerProcess.Start(["preprocess", .. roots, "--pipeline", settings.Pipeline!, "--cache", _temp.File("cache"), "--out", features]))
                Assert.True(await preprocess.WaitAsync(Timeout) == 0, preprocess.Output);
            var set = FeatureSet.Read(features);
            Assert.Equal(27, set.Count);
            var heldOut = set.Samples[0].Subject;

            var csv = _temp.File($"{settings.Model.Name}.csv");
            using (var train = MerProcess.Start("train", "--model", settings.Model.Name, "--config", config, "--features", features,
                "--holdout", heldOut, "--epochs", "1", "--csv", csv))
            {
                Assert.True(await train.WaitAsync(Timeout) == 0, $"{config}: {train.Output}");
                Assert.DoesNotContain("does not reach", train.Output);
            }
            var rows = File.ReadAllLines(csv).Skip(1).ToList();
            Assert.Equal(set.Samples.Count(s => s.Subject == heldOut), rows.Count);
            Assert.All(rows, row => Assert.Contains(heldOut + "/", row));
        }

        // FRL-DGT trains each group at a rate of its own setting: a config that writes train.learning_rate is warned
        // before training (naming the file and the groups), and the fold still trains.
        var frl = _temp.File("frl_dgt-with-rate.yaml");
        File.WriteAllText(frl, File.ReadAllText(Path.Combine(RepositoryPaths.Configs, "models", "frl_dgt-small.yaml"))
            .Replace("train:\n", "train:\n  learning_rate: 1.0e-3\n", StringComparison.Ordinal));
        var frlFeatures = _temp.File("frl-dgt-small-features");
        using (var train = MerProcess.Start("train", "--model", "frl_dgt", "--config", frl, "--features", frlFeatures,
            "--holdout", FeatureSet.Read(frlFeatures).Samples[0].Subject, "--epochs", "1"))
        {
            Assert.True(await train.WaitAsync(Timeout) == 0, train.Output);
            Assert.Contains($"warning: {frl}: train.learning_rate does not reach model frl_dgt: each of its parameter groups (dgm, fusion)", train.Output);
        }
    }
}

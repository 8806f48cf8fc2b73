using MerCluster.Core.Features;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Training;

namespace MerCluster.Orchestration.Tests;

/// <summary>
/// MobileViT-SVM's pretraining stage through the real CLI, as the README gives it: a synthetic CK+ tree (macro mode),
/// its feature set (`mer preprocess --ckplus`), MobileViT trained on all of it (`mer train --holdout none`), and a
/// fine-tuning config whose `weights` is that checkpoint, which a fold holding out one of its subjects refuses. Tiny:
/// MobileViT-XXS on a 64x64 apex, 12 sequences, 2 epochs.
/// </summary>
public sealed class PretrainingCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string yaml)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Model(string variant, string classifier, string pretrained) => $$"""
        model:
          name: mobilevit_svm
          settings: {classes: 3, variant: {{variant}}, image_size: 64, l2: 0.0001, classifier: {{classifier}}, svm_kernel: linear, weights: "{{pretrained}}"}
        train: {optimizer: sgd, learning_rate: 0.01, momentum: 0.9, epochs: 2, batch_size: 8, seed: 1, threads: 1}
        """;

    [Fact]
    public async Task A_macro_tree_pretrains_mobilevit_on_all_its_samples_and_a_fine_tuning_config_starts_from_that_checkpoint()
    {
        var synthetic = _temp.File("synthetic");
        using (var synth = MerProcess.Start("datasets", "synth", "--mode", "macro", "--scale", "small", "--seed", "3", "--threads", "2", "--out", synthetic))
            Assert.True(await synth.WaitAsync(Timeout) == 0, synth.Output);

        var pipeline = Write("pipeline.yaml", "name: mobilevit-svm-tiny\noutputs: [apex_gray]\nalignment: {size: 112}\napex_gray: {size: 64, mask_eyes: true}\n");
        var features = _temp.File("macro-features");
        using (var preprocess = MerProcess.Start("preprocess", "--ckplus", Path.Combine(synthetic, "CK+"), "--pipeline", pipeline,
            "--cache", _temp.File("cache"), "--out", features))
            Assert.True(await preprocess.WaitAsync(Timeout) == 0, preprocess.Output);
        var set = FeatureSet.Read(features);
        // Twelve labelled sequences, the last three frames of each a sample (ckplus-3class, seed 004 Section 4.1).
        Assert.Equal(3 * 12, set.Count);
        Assert.Equal(12, set.Samples.Select(s => s.SampleId[..s.SampleId.LastIndexOf('/')]).Distinct().Count());
        Assert.Equal(4, set.Samples.Select(s => s.Subject).Distinct().Count());
        Assert.All(set.Samples, s => Assert.StartsWith("ckplus/S", s.Subject));

        var macro = Write("macro.yaml", Model("xxs", "softmax", ""));
        using (var withoutCheckpoint = MerProcess.Start("train", "--model", "mobilevit_svm", "--config", macro, "--features", features, "--holdout", "none"))
        {
            Assert.NotEqual(0, await withoutCheckpoint.WaitAsync(Timeout));
            Assert.Contains("--checkpoint", withoutCheckpoint.Output);
        }
        var checkpoint = _temp.File("macro.ckpt");
        using (var pretrain = MerProcess.Start("train", "--model", "mobilevit_svm", "--config", macro, "--features", features, "--holdout", "none", "--checkpoint", checkpoint))
            Assert.True(await pretrain.WaitAsync(Timeout) == 0, pretrain.Output);
        using (var pretrained = Trainer.Load(checkpoint))
        {
            Assert.Equal(2, pretrained.Epoch);
            Assert.Equal(set.Samples.Select(s => s.Subject).Distinct().Order(StringComparer.Ordinal), pretrained.Subjects!.Order(StringComparer.Ordinal));
        }
        using (var more = MerProcess.Start("train", "--model", "mobilevit_svm", "--config", macro, "--features", features, "--holdout", "none",
            "--checkpoint", checkpoint, "--epochs", "3"))
            Assert.True(await more.WaitAsync(Timeout) == 0, more.Output);

        var fineTuning = TrainingConfig.Load(Write("fine-tune.yaml", Model("xxs", "svm", checkpoint)));
        using (var pretrained = Trainer.Load(checkpoint))
        using (var started = Trainer.Create(fineTuning))
        {
            Assert.Equal(3, pretrained.Epoch);
            Assert.Equal(pretrained.Features(set), started.Features(set));
        }
        // A LOSO fold of the pretraining set itself would test on a subject the weights were trained on: refused.
        using (var leak = MerProcess.Start("train", "--model", "mobilevit_svm", "--config", _temp.File("fine-tune.yaml"), "--features", features,
            "--holdout", set.Samples[0].Subject, "--epochs", "1"))
        {
            Assert.Equal(1, await leak.WaitAsync(Timeout));
            Assert.Contains($"weights {checkpoint} were trained on subject {set.Samples[0].Subject}, which this fold holds out", leak.Output);
        }

        var otherVariant = Write("fine-tune-xs.yaml", Model("xs", "svm", checkpoint));
        using var mismatch = MerProcess.Start("train", "--model", "mobilevit_svm", "--config", otherVariant, "--features", features, "--holdout", set.Samples[0].Subject);
        Assert.Equal(1, await mismatch.WaitAsync(Timeout));
        Assert.Contains("weights file", mismatch.Output);
        Assert.Contains("macro.ckpt", mismatch.Output);
    }
}

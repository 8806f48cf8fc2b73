using MerCluster.Core;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

/// <summary>
/// `mer predict` through the real CLI against PyTorch: an STSTNet defined in PyTorch with the official code's tensor
/// names (Debian's /usr/bin/python3 with python3-torch, which scripts/bootstrap installs) saves a seeded state dict
/// with torch.save, and `mer predict` with that file must give PyTorch's eval-mode logits on the same inputs.
/// </summary>
public sealed class PredictCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    private const float Tolerance = 1e-4f;
    private const string Python = "/usr/bin/python3";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Config => Path.Combine(RepositoryPaths.Configs, "models", "ststnet.yaml");

    // STSTNet as in the official code: per stream conv -> relu -> batch norm -> max pool -> dropout; concat, avg pool, fc.
    // Batch-norm statistics and affine parameters are drawn too, so eval mode's use of them is checked.
    private const string Script = """
        import sys
        try:
            import numpy as np
            import torch
            import torch.nn as nn
        except ImportError as e:
            print(f"cannot import torch/numpy in {sys.executable}: {e}", file=sys.stderr)
            sys.exit(3)

        class STSTNet(nn.Module):
            def __init__(self, in_channels=3, out_channels=3):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, 3, kernel_size=3, padding=2)
                self.conv2 = nn.Conv2d(in_channels, 5, kernel_size=3, padding=2)
                self.conv3 = nn.Conv2d(in_channels, 8, kernel_size=3, padding=2)
                self.relu = nn.ReLU()
                self.bn1 = nn.BatchNorm2d(3)
                self.bn2 = nn.BatchNorm2d(5)
                self.bn3 = nn.BatchNorm2d(8)
                self.maxpool = nn.MaxPool2d(kernel_size=3, stride=3, padding=1)
                self.avgpool = nn.AvgPool2d(kernel_size=2, stride=2)
                self.dropout = nn.Dropout(p=0.5)
                self.fc = nn.Linear(in_features=5 * 5 * 16, out_features=out_channels)

            def forward(self, x):
                x1 = self.dropout(self.maxpool(self.bn1(self.relu(self.conv1(x)))))
                x2 = self.dropout(self.maxpool(self.bn2(self.relu(self.conv2(x)))))
                x3 = self.dropout(self.maxpool(self.bn3(self.relu(self.conv3(x)))))
                x = torch.cat((x1, x2, x3), 1)
                x = self.avgpool(x)
                x = x.view(x.size(0), -1)
                return self.fc(x)

        inputs, weights, partial, logits = sys.argv[1:5]
        torch.manual_seed(7)
        model = STSTNet()
        with torch.no_grad():
            for bn in (model.bn1, model.bn2, model.bn3):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.2, 0.2)
            model.fc.weight.uniform_(-0.5, 0.5)
        state = model.state_dict()
        torch.save(state, weights)
        torch.save({k: v for k, v in state.items() if k != "fc.bias"}, partial)
        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(np.load(inputs)))
        np.save(logits, out.numpy().astype(np.float32))
        """;

    /// <summary>A small STSTNet feature set (3x28x28, fixed values): two subjects of each of two databases, three samples each.</summary>
    private string WriteFeatures()
    {
        var samples = new List<FeatureSample>();
        foreach (var database in new[] { "casme2", "samm" })
            for (var s = 1; s <= 2; s++)
                for (var c = 0; c < 3; c++)
                {
                    var subject = $"{database}/s{s}";
                    samples.Add(new FeatureSample($"{subject}/clip{c}", subject, database, TestFeatures.Classes[c]));
                }
        var random = new Random(11);
        var data = new float[samples.Count * 3 * 28 * 28];
        for (var i = 0; i < data.Length; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1);
        var directory = _temp.File("features");
        new FeatureSet(TestFeatures.Classes, samples, [KeyValuePair.Create("flow_uvs", new NdArray<float>([samples.Count, 3, 28, 28], data))]).Write(directory);
        return directory;
    }

    /// <summary>Runs the PyTorch script on the feature set's input; returns the state dict, the one without fc.bias and PyTorch's logits.</summary>
    private async Task<(string Weights, string Partial, NdArray<float> Logits)> RunPyTorch(string features)
    {
        var script = _temp.File("ststnet.py");
        File.WriteAllText(script, Script);
        var (weights, partial, logits) = (_temp.File("ststnet.pt"), _temp.File("ststnet-no-fc-bias.pt"), _temp.File("torch-logits.npy"));
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing: scripts/bootstrap installs python3-torch for this test");
        using var python = new ChildProcess(Python, [script, Path.Combine(features, "flow_uvs.npy"), weights, partial, logits]);
        var exit = await python.WaitAsync(Timeout);
        if (exit == 3)
            Assert.Fail($"{Python} cannot import torch: scripts/bootstrap installs python3-torch (apt-get install python3-torch) for this test.\n{python.Output}");
        Assert.True(exit == 0, $"the PyTorch reference failed:\n{python.Output}");
        return (weights, partial, Npy.Read<float>(logits));
    }

    private static void AssertClose(NdArray<float> expected, NdArray<float> actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var worst = expected.Data.Zip(actual.Data, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance, $"logits differ from PyTorch's by up to {worst:G3} (tolerance {Tolerance})");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
            if (row[i] > row[best])
                best = i;
        return best;
    }

    [Fact]
    public async Task PredictCommand_with_a_pytorch_state_dict_gives_pytorchs_logits_and_their_argmax()
    {
        var features = WriteFeatures();
        var set = FeatureSet.Read(features);
        var (weights, _, expected) = await RunPyTorch(features);
        Assert.Equal([set.Count, 3], expected.Shape);

        var (csv, logits) = (_temp.File("p.csv"), _temp.File("l.npy"));
        using (var predict = MerProcess.Start("predict", "--model", "ststnet", "--config", Config, "--weights", weights,
            "--features", features, "--out", csv, "--logits", logits))
            Assert.True(await predict.WaitAsync(Timeout) == 0, predict.Output);

        var actual = Npy.Read<float>(logits);
        AssertClose(expected, actual);
        IReadOnlyList<Prediction> predictions;
        using (var reader = new StreamReader(csv))
            predictions = PredictionsCsv.Parse(reader, csv);
        Assert.Equal(set.Samples.Select(s => s.SampleId), predictions.Select(p => p.SampleId));
        for (var i = 0; i < set.Count; i++)
        {
            Assert.Equal(set.Samples[i].Label, predictions[i].Label);
            Assert.Equal(set.Classes[ArgMax(actual.Data.AsSpan(i * 3, 3))], predictions[i].Predicted);
        }
        Assert.True(predictions.Select(p => p.Predicted).Distinct().Count() > 1, "the fixture should predict more than one class");
    }

    [Fact]
    public async Task PredictCommand_with_a_weights_file_lacking_a_tensor_fails_naming_the_tensor_and_the_file()
    {
        var features = WriteFeatures();
        var (_, partial, _) = await RunPyTorch(features);
        var csv = _temp.File("p.csv");
        using var predict = MerProcess.Start("predict", "--model", "ststnet", "--config", Config, "--weights", partial,
            "--features", features, "--out", csv, "--logits", _temp.File("l.npy"));
        Assert.Equal(1, await predict.WaitAsync(Timeout));
        Assert.Contains("fc.bias", predict.Output);
        Assert.Contains(partial, predict.Output);
        Assert.False(File.Exists(csv));
        Assert.False(File.Exists(_temp.File("l.npy")));
    }

    [Fact]
    public async Task PredictCommand_with_holdout_predicts_only_that_subjects_samples()
    {
        var features = WriteFeatures();
        var set = FeatureSet.Read(features);
        var (weights, _, expected) = await RunPyTorch(features);
        const string subject = "samm/s1";
        var rows = Enumerable.Range(0, set.Count).Where(i => set.Samples[i].Subject == subject).ToArray();
        Assert.Equal(3, rows.Length);

        var (csv, logits) = (_temp.File("p.csv"), _temp.File("l.npy"));
        using (var predict = MerProcess.Start("predict", "--model", "ststnet", "--config", Config, "--weights", weights,
            "--features", features, "--holdout", subject, "--out", csv, "--logits", logits))
            Assert.True(await predict.WaitAsync(Timeout) == 0, predict.Output);

        IReadOnlyList<Prediction> predictions;
        using (var reader = new StreamReader(csv))
            predictions = PredictionsCsv.Parse(reader, csv);
        Assert.Equal(rows.Select(i => set.Samples[i].SampleId), predictions.Select(p => p.SampleId));
        Assert.All(predictions, p => Assert.Equal(subject, p.Subject));
        AssertClose(new NdArray<float>([rows.Length, 3], rows.SelectMany(i => expected.Data.Skip(i * 3).Take(3)).ToArray()), Npy.Read<float>(logits));

        using var unknown = MerProcess.Start("predict", "--model", "ststnet", "--config", Config, "--weights", weights,
            "--features", features, "--holdout", "casme2/nobody", "--out", _temp.File("unknown.csv"));
        Assert.Equal(1, await unknown.WaitAsync(Timeout));
        Assert.Contains("casme2/nobody", unknown.Output);
        Assert.Contains("casme2/s1", unknown.Output);
        Assert.False(File.Exists(_temp.File("unknown.csv")));
    }

    [Fact]
    public async Task PredictCommand_rejects_a_wrong_model_a_missing_features_folder_and_a_missing_weights_file_writing_nothing()
    {
        var features = WriteFeatures();
        var weights = _temp.File("absent.pt");
        var csv = _temp.File("p.csv");
        (string[] Arguments, string[] Named)[] cases =
        [
            (["--model", "msmmt", "--weights", weights, "--features", features], ["msmmt", "ststnet"]),
            (["--model", "ststnet", "--weights", Config, "--features", _temp.File("no-features")], ["no-features"]),
            (["--model", "ststnet", "--weights", weights, "--features", features], ["absent.pt"]),
        ];
        foreach (var (arguments, named) in cases)
        {
            using var predict = MerProcess.Start(["predict", "--config", Config, .. arguments, "--out", csv]);
            Assert.Equal(1, await predict.WaitAsync(Timeout));
            Assert.All(named, n => Assert.Contains(n, predict.Output));
            Assert.False(File.Exists(csv));
        }
    }
}

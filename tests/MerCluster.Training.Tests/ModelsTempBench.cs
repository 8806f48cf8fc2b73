namespace MerCluster.Training.Tests;

public class ModelsTempBench(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData("msmmt-small")]
    [InlineData("mobilevit_svm-small")]
    [InlineData("frl_dgt-small")]
    [InlineData("mfvan-small")]
    public void TempBench(string file)
    {
        var config = TrainingConfig.Load(Path.Combine(MerCluster.Core.RepositoryPaths.Configs, "models", $"{file}.yaml"));
        using var trainer = Trainer.Create(config.Model, config.Train with { Threads = 2, BatchSize = 16 });
        var inputs = trainer.Description.Inputs.Select(i => (i.Name, i.Shape[0])).ToArray();
        var set = ModelsSupport.Inputs(6, 6, trainer.Description.Inputs[0].Shape[1], inputs);
        var heldOut = set.Where(s => s.Subject == "casme2/sub06");
        var train = set.Where(s => s.Subject != "casme2/sub06");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var t2 = Trainer.Create(config.Model, config.Train with { Threads = 2, BatchSize = 16, Epochs = 15 });
        t2.Fit(train);
        var p = t2.Predict(heldOut);
        var correct = heldOut.Samples.Select((s, i) => set.Classes[Array.IndexOf(p[i], p[i].Max())] == s.Label).Count(c => c);
        output.WriteLine($"{file}: params {trainer.Description.Parameters}, 15 epochs of {train.Count} in {sw.Elapsed.TotalSeconds:F1}s, held-out {correct}/{heldOut.Count}");
        var bench = trainer.Benchmark(set.Where(s => true), 1);
        output.WriteLine($"{file}: {1000 * bench.TrainerSeconds / bench.Steps:F0} ms/step at batch 16 (2 threads)");
    }
}

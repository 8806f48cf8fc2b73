using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Orchestration.Workers;

namespace MerCluster.Orchestration.Tests;

/// <summary>A sweep whose folds really train: STSTNet through the native training core on a tiny, separable feature set.</summary>
public sealed class TrainingSweepTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task A_ststnet_sweep_trains_every_fold_and_scores_the_held_out_subjects()
    {
        SeparableFlowFeatures().Write(_temp.File("features"));
        var file = _temp.File("ststnet.yaml");
        File.WriteAllText(file, """
            name: tiny-ststnet
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 15, batch_size: 16, seed: 1, threads: 1}
            grid: {train.seed: [1, 2]}
            """);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

        var sweep = new EmbeddedSweep(store, SweepDefinition.Load(file), new FoldRunners(new TrainingFoldRunner()));
        var submitted = await sweep.RunAsync(workers: 2, "cpu", CancellationToken.None);

        Assert.Equal(SweepStates.Complete, (await store.FindSweepAsync(submitted.Id))!.State);
        foreach (var trial in await store.TrialsAsync(submitted.Id))
        {
            Assert.All(await store.FoldsAsync(trial.Id), f => Assert.Equal(FoldStates.Done, f.State));
            var predictions = await store.PredictionsAsync(trial.Id);
            Assert.Equal(18, predictions.Count);
            Assert.All(predictions, p => Assert.Equal(1.0, System.Text.Json.JsonSerializer.Deserialize<double[]>(p.ProbabilitiesJson)!.Sum(), 3));
        }
        var overall = (await store.TrialResultsAsync(submitted.Id)).Where(r => r.Part == "overall").ToList();
        Assert.Equal(2, overall.Count);
        Assert.All(overall, r => Assert.True(r.Uf1 > 0.6, $"UF1 {r.Uf1} on a separable set"));
    }

    [Fact]
    public async Task A_fold_stopped_mid_training_resumes_from_its_checkpoint_and_the_checkpoints_go_once_folds_are_done()
    {
        SeparableFlowFeatures().Write(_temp.File("features"));
        var file = _temp.File("resume.yaml");
        File.WriteAllText(file, """
            name: resume-ststnet
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 100, batch_size: 16, seed: 1, threads: 1}
            """);
        var cache = _temp.File("cache");
        var checkpoints = Path.Combine(cache, "checkpoints");
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

        using (var stop = new CancellationTokenSource())
        {
            var first = new EmbeddedSweep(store, SweepDefinition.Load(file), new FoldRunners(new TrainingFoldRunner()), cacheRoot: cache)
                .RunAsync(workers: 1, "cpu", stop.Token);
            while (!(Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories).Any()))
            {
                Assert.False(first.IsCompleted, "the sweep ended before any fold saved a checkpoint");
                await Task.Delay(5);
            }
            await stop.CancelAsync();
            await first;
        }
        var saved = Assert.Single(Directory.GetFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories));

        var log = new List<string>();
        var submitted = await new EmbeddedSweep(store, SweepDefinition.Load(file), new FoldRunners(new TrainingFoldRunner()), m => { lock (log) log.Add(m); }, cache)
            .RunAsync(workers: 1, "cpu", CancellationToken.None);

        var resumed = Assert.Single(log, m => m.Contains("resumed from", StringComparison.Ordinal));
        Assert.Contains(saved, resumed);
        Assert.Matches("at epoch [1-9][0-9]*$", resumed);
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        Assert.All(await store.FoldsAsync(trial.Id), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Equal(18, (await store.PredictionsAsync(trial.Id)).Count);
        Assert.Empty(Directory.GetFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_sweep_whose_features_are_not_its_models_inputs_is_refused_at_submission_naming_the_input_and_shapes()
    {
        SeparableFlowFeatures().Write(_temp.File("features"));
        var file = _temp.File("mismatch.yaml");
        File.WriteAllText(file, """
            name: flow-into-mjfn
            features: features
            model: {name: mjfn, settings: {classes: 3}}
            train: {epochs: 1, batch_size: 4}
            """);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => SweepSubmitter.SubmitAsync(store, SweepDefinition.Load(file), new FeatureSetCache()));

        Assert.Contains(file, error.Message);
        Assert.Contains("has shape [3,28,28], model 'mjfn' expects [3,224,224]", error.Message);
        Assert.Empty(await store.ListSweepsAsync());
    }

    /// <summary>Six subjects (two per database) of three samples, one per class, whose class shows as a constant offset in one channel.</summary>
    internal static FeatureSet SeparableFlowFeatures()
    {
        var template = TestFeatures.Build(subjectsPerDatabase: 2, samplesPerSubject: 3);
        const int size = 3 * 28 * 28;
        var data = new float[template.Count * size];
        var random = new Random(3);
        for (var i = 0; i < template.Count; i++)
        {
            var channel = Array.IndexOf(TestFeatures.Classes, template.Samples[i].Label);
            for (var j = 0; j < size; j++)
                data[i * size + j] = (float)(random.NextDouble() * 0.1) + (j / (28 * 28) == channel ? 1f : 0f);
        }
        return new FeatureSet(template.Classes, template.Samples, [KeyValuePair.Create("flow_uvs", new NdArray<float>([template.Count, 3, 28, 28], data))]);
    }

    public void Dispose() => _temp.Dispose();
}

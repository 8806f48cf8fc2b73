using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Grains;

namespace MerCluster.Orchestration.Tests;

/// <summary>A sweep whose folds really train: STSTNet through the TorchSharp trainer on a tiny, separable feature set.</summary>
public sealed class TrainingSweepTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>
    /// FRL-DGT trains its two groups at rates of their own settings: a grid over train.learning_rate would run identical
    /// trials, so submission stops naming the key, the model and its groups; a grid over a key it reads passes that check
    /// (and stops later, for want of FRL-DGT's inputs in this feature set).
    /// </summary>
    [Fact]
    public void A_grid_over_a_learning_rate_the_model_never_reads_stops_the_submission()
    {
        SeparableFlowFeatures().Write(_temp.File("features"));
        string Sweep(string grid, string values)
        {
            var file = _temp.File($"frl-{grid}.yaml");
            File.WriteAllText(file, $$$"""
                name: frl-lr
                features: features
                model: {name: frl_dgt, settings: {classes: 3, image_size: 64, region_size: 30, patch: 6, dim: 32, heads: 2, mlp_dim: 64, depth: 1, head_hidden: 32, dgm_width: 8}}
                train: {optimizer: adam, learning_rate: 1.0e-3, epochs: 1, batch_size: 8, seed: 1, threads: 1}
                grid:
                  {{{grid}}}: {{{values}}}
                """);
            return file;
        }

        var error = Assert.Throws<InvalidDataException>(() => SweepSubmitter.Plan(SweepDefinition.Load(Sweep("train.learning_rate", "[1.0e-3, 2.0e-3]")), new FeatureSetCache()));
        Assert.True(error.Message.Contains("train.learning_rate does not reach model frl_dgt", StringComparison.Ordinal), error.Message);
        Assert.Contains("dgm, fusion", error.Message);
        var inputs = Record.Exception(() => SweepSubmitter.Plan(SweepDefinition.Load(Sweep("train.batch_size", "[8, 16]")), new FeatureSetCache()));
        Assert.True(inputs is InvalidDataException, inputs?.ToString());
        Assert.DoesNotContain("does not reach", inputs!.Message);
    }

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
        var submitted = await Embedded.RunAsync(_temp.SqliteUrl, file, slots: 2);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

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
    public async Task A_silo_that_cannot_keep_checkpoints_trains_its_folds_without_them_and_says_so()
    {
        SeparableFlowFeatures().Write(_temp.File("features"));
        var file = _temp.File("no-scratch.yaml");
        File.WriteAllText(file, """
            name: no-scratch
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 3, batch_size: 16, seed: 1, threads: 1}
            """);
        // The silo's scratch folder cannot be made (a file stands in its place).
        var cache = _temp.File("cache");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, ".scratch"), "not a folder");
        var log = new List<string>();
        var submitted = await Embedded.RunAsync(_temp.SqliteUrl, file, slots: 1, cache, log);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

        Assert.Equal(SweepStates.Complete, (await store.FindSweepAsync(submitted.Id))!.State);
        Assert.All(await store.SweepFoldsAsync(submitted.Id), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Contains(log, m => m.Contains("cannot keep a checkpoint at", StringComparison.Ordinal) && m.Contains("training without one", StringComparison.Ordinal));
    }

    // A 100-epoch STSTNet sweep stopped as soon as one fold saved a checkpoint: the sweep file, its cache, the checkpoint.
    private async Task<(string File, string Cache, string Checkpoint)> StopAfterTheFirstCheckpoint(CoordinationStore store)
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
        using var stop = new CancellationTokenSource();
        var first = Embedded.RunAsync(_temp.SqliteUrl, file, slots: 1, cache, stop: stop.Token);
        // Watched from a thread of its own: a poll on the test's context can wait seconds for its turn while the sweep
        // runs, long enough for every fold to finish.
        var watch = Task.Factory.StartNew(() =>
        {
            while (!first.IsCompleted && !(Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories).Any()))
                Thread.Sleep(2);
            stop.Cancel();
        }, TaskCreationOptions.LongRunning);
        await first;
        await watch;
        return (file, cache, Assert.Single(Directory.GetFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories)));
    }

    // Runs the sweep to the end, collecting the silo's log lines; every fold must end done, with its predictions,
    // and no checkpoint may be left.
    private static async Task<List<string>> RunToTheEnd(CoordinationStore store, string file, string cache)
    {
        var log = new List<string>();
        var submitted = await Embedded.RunAsync(store.Location.ToString(), file, slots: 1, cache, log);
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        Assert.All(await store.FoldsAsync(trial.Id), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Equal(18, (await store.PredictionsAsync(trial.Id)).Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(cache, "checkpoints"), "*.ckpt", SearchOption.AllDirectories));
        return log;
    }

    [Fact]
    public async Task A_running_folds_grain_records_the_epoch_its_training_reached()
    {
        SeparableFlowFeatures().Write(_temp.File("features"));
        var file = _temp.File("progress.yaml");
        File.WriteAllText(file, """
            name: progress-ststnet
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 2000, batch_size: 16, seed: 1, threads: 1}
            """);
        using var silo = await Orchestration.Cluster.SiloHost.StartAsync(new Orchestration.Cluster.SiloSettings { StoreUrl = _temp.SqliteUrl, Devices = ["cpu"], CacheRoot = _temp.File("cache") });
        var grains = (IGrainFactory)silo.Services.GetService(typeof(IGrainFactory))!;
        var plan = SweepSubmitter.Plan(SweepDefinition.Load(file), new FeatureSetCache());
        await grains.GetGrain<Grains.ISweepGrain>(plan.Id).Start(plan);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        Grains.FoldGrainState? state = null;
        while (state is not { Epoch: > 1 })
        {
            Assert.True(DateTime.UtcNow < deadline, $"no fold reported two epochs within 2 minutes (last: {state})");
            await Task.Delay(200);
            if ((await store.ListSweepsAsync()).Count == 0)
                continue;
            var running = (await store.SweepFoldsAsync(plan.Id)).FirstOrDefault(f => f.State == FoldStates.Running);
            if (running is not null)
                state = await grains.GetGrain<Grains.IFoldGrain>(running.Id).Describe();
        }

        Assert.Equal((FoldStates.Running, 2000, "cpu"), (state.State, state.Epochs, state.Device));
        Assert.True(state.Epoch < 2000);
        await silo.StopAsync();
    }

    [Fact]
    public async Task A_fold_stopped_mid_training_resumes_from_its_checkpoint_and_the_checkpoints_go_once_folds_are_done()
    {
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);
        var (file, cache, saved) = await StopAfterTheFirstCheckpoint(store);

        var log = await RunToTheEnd(store, file, cache);
        var resumed = Assert.Single(log, m => m.Contains("resumed from", StringComparison.Ordinal));
        Assert.Contains(saved, resumed);
        Assert.Matches("at epoch [1-9][0-9]*$", resumed);
    }

    [Fact]
    public async Task A_fold_checkpoint_that_cannot_resume_is_discarded_and_the_fold_trains_from_the_start()
    {
        // As after a rebuild that changed the model's tensors (or a damaged file): without the discard, every attempt
        // of the fold failed on loading it and the fold ended failed.
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);
        var (file, cache, saved) = await StopAfterTheFirstCheckpoint(store);
        // Stored intact (its sha256 matches) but not a checkpoint this build can resume; a damaged one is SiloArtifactsTests'.
        File.WriteAllBytes(saved, [1, 2, 3, 4]);
        File.WriteAllText(saved + ".sha256", $"{Core.ContentHash.Of(new byte[] { 1, 2, 3, 4 })}  {Path.GetFileName(saved)}\n");

        var log = await RunToTheEnd(store, file, cache);
        var discarded = Assert.Single(log, m => m.Contains("discarded a checkpoint that cannot resume this fold", StringComparison.Ordinal));
        Assert.Contains(saved, discarded);
        Assert.DoesNotContain(log, m => m.Contains("resumed from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sweep_whose_features_are_not_its_models_inputs_is_refused_at_submission_naming_the_input_and_shapes()
    {
        // An input of MJFN's name at STSTNet's size: refused for its shape.
        var flow = SeparableFlowFeatures();
        new FeatureSet(flow.Classes, flow.Samples, [KeyValuePair.Create("flow_image", flow.Inputs["flow_uvs"])]).Write(_temp.File("features"));
        var file = _temp.File("mismatch.yaml");
        File.WriteAllText(file, """
            name: flow-into-mjfn
            features: features
            model: {name: mjfn, settings: {classes: 3}}
            train: {epochs: 1, batch_size: 4}
            """);
        await using var store = await CoordinationStore.OpenAsync(_temp.SqliteUrl);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Embedded.RunAsync(_temp.SqliteUrl, file, slots: 1));

        Assert.Contains(file, error.Message);
        Assert.Contains("has shape [3,28,28], model 'mjfn' expects [3,224,224]", error.Message);
        Assert.Empty(await store.ListSweepsAsync());

        // STSTNet's features (another pipeline's output name): refused naming the input MJFN needs.
        flow.Write(_temp.File("ststnet-features"));
        File.WriteAllText(file, File.ReadAllText(file).Replace("features: features", "features: ststnet-features"));
        var named = await Assert.ThrowsAsync<InvalidDataException>(() => Embedded.RunAsync(_temp.SqliteUrl, file, slots: 1));
        Assert.Contains("no input 'flow_image'", named.Message);
        Assert.Contains("flow_uvs", named.Message);
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

using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Orchestration.Folds;

namespace MerCluster.Orchestration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class WorkerTests(PostgresServer postgres) : IDisposable
{
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task In_process_workers_run_a_sweep_to_completion_with_every_sample_predicted_once(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "noop-grid", "{name: noop, duration: 10ms}", "grid: {model.duration: [5ms, 10ms]}");
        var sweep = new EmbeddedSweep(store, SweepDefinition.Load(file), new FoldRunners(new NoopFoldRunner()));

        var submitted = await sweep.RunAsync(workers: 3, "cpu", CancellationToken.None);

        Assert.Equal((2, 6), (submitted.Trials, submitted.FoldsPerTrial));
        Assert.Equal(SweepStates.Complete, (await store.FindSweepAsync(submitted.Id))!.State);
        var samples = TestFeatures.Build().Samples.Select(s => s.SampleId).Order().ToList();
        foreach (var trial in await store.TrialsAsync(submitted.Id))
        {
            Assert.Equal(SweepStates.Complete, trial.State);
            Assert.Equal(samples, (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).Order());
        }
        var results = await store.TrialResultsAsync(submitted.Id);
        Assert.Equal(8, results.Count);
        Assert.All(results, r => Assert.Equal(1.0, r.Uf1));
        Assert.All(results.Where(r => r.Part == "overall"), r => Assert.Equal(18, r.N));
        Assert.Equal(6, (await store.FoldScoresAsync((await store.TrialsAsync(submitted.Id))[0].Id)).Count);
        Assert.Equal(12, sweep.Workers.Sum(w => w.FoldsDone));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_fold_that_always_fails_ends_failed_after_max_attempts_while_the_rest_complete(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "one-bad-fold", "{name: noop, fail_subjects: [casme2/s1]}", "leasing: {max_attempts: 2}");
        var sweep = new EmbeddedSweep(store, SweepDefinition.Load(file), new FoldRunners(new NoopFoldRunner()));

        var submitted = await sweep.RunAsync(workers: 2, "cpu", CancellationToken.None);

        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        var folds = await store.FoldsAsync(trial.Id);
        var failed = Assert.Single(folds, f => f.State == FoldStates.Failed);
        Assert.Equal(("casme2/s1", 2), (failed.HeldOutSubject, failed.Attempt));
        Assert.Contains("fail_subjects", failed.LastError);
        Assert.All(folds.Where(f => f != failed), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Equal(SweepStates.Complete, (await store.FindSweepAsync(submitted.Id))!.State);
        Assert.Equal(15, (await store.PredictionsAsync(trial.Id)).Count);
        var overall = (await store.TrialResultsAsync(submitted.Id)).Single(r => r.Part == "overall");
        Assert.Equal(15, overall.N);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_stopping_worker_gives_its_fold_back_without_a_failure(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "slow", "{name: noop, duration: 1m}");
        var definition = SweepDefinition.Load(file);
        var features = new FeatureSetCache();
        var submitted = await SweepSubmitter.SubmitAsync(store, definition, features);
        var worker = new Worker(store, new WorkerOptions { Name = "stopper" }, new FoldRunners(new NoopFoldRunner()), new SweepContexts(store), features);
        using var stop = new CancellationTokenSource();

        var running = worker.RunAsync(stop.Token);
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        while ((await store.FoldsAsync(trial.Id)).All(f => f.State != FoldStates.Leased))
            await Task.Delay(20);
        await stop.CancelAsync();
        await running;

        Assert.Equal(1, worker.FoldsReleased);
        var fold = (await store.FoldsAsync(trial.Id))[0];
        Assert.Equal((FoldStates.Pending, 0), (fold.State, fold.Failures));
        Assert.Equal("released", Assert.Single(await store.AttemptsAsync(fold.Id)).Outcome);
        Assert.Equal("stopped", (await store.WorkersAsync()).Single().State);
    }

    [Fact]
    public async Task The_same_sweep_file_over_the_same_features_has_the_same_id()
    {
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "stable", "{name: noop}");
        await using var store = await CoordinationStore.OpenAsync(_stores.Temp.SqliteUrl);
        var first = await SweepSubmitter.SubmitAsync(store, SweepDefinition.Load(file), new FeatureSetCache());
        var second = await SweepSubmitter.SubmitAsync(store, SweepDefinition.Load(file), new FeatureSetCache());
        Assert.Equal(first.Id, second.Id);
        Assert.True(first.Created);
        Assert.False(second.Created);
    }

    [Fact]
    public void A_grid_key_that_names_no_config_key_is_an_error_naming_the_file_and_key()
    {
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "bad-grid", "{name: noop}", "grid: {train.nonsense.deep: [1, 2]}");
        var error = Assert.ThrowsAny<Exception>(() => SweepDefinition.Load(file));
        Assert.Contains("bad-grid.yaml", error.Message);
        Assert.Contains("nonsense", error.Message);
    }

    [Fact]
    public void A_bad_training_key_in_a_sweep_is_an_error_naming_the_file_and_key()
    {
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "bad-train", "{name: ststnet}", "train: {learning_rat: 0.1}");
        var error = Assert.ThrowsAny<Exception>(() => SweepDefinition.Load(file));
        Assert.Contains("bad-train.yaml", error.Message);
        Assert.Contains("train.learning_rat", error.Message);
    }

    public void Dispose() => _stores.Dispose();
}

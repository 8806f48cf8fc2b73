using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Orchestration.Folds;

namespace MerCluster.Orchestration.Tests;

[Collection(PostgresCollection.Name)]
/// <summary>Sweeps on an embedded silo (`mer sweep run`): sweep, trial and fold grains over a store of either kind.</summary>
public sealed class EmbeddedSweepTests(PostgresServer postgres) : IDisposable
{
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task An_embedded_silo_runs_a_sweep_to_completion_with_every_sample_predicted_once(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "noop-grid", "{name: noop, duration: 10ms}", "grid: {model.duration: [5ms, 10ms]}");

        var submitted = await Embedded.RunAsync(url, file, slots: 3);

        await using var store = await CoordinationStore.OpenAsync(url);
        Assert.True(submitted.Status.Finished);
        Assert.Equal((12, 0), (submitted.Status.Done, submitted.Status.Failed));

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
        foreach (var trial in await store.TrialsAsync(submitted.Id))
            foreach (var fold in await store.FoldsAsync(trial.Id))
                Assert.Equal(("done", 1), (Assert.Single(await store.AttemptsAsync(fold.Id)).Outcome, fold.Attempt));
    }

    [Fact]
    public async Task A_SQLite_file_locked_by_another_process_for_10_s_mid_sweep_delays_the_folds_finishing_meanwhile_and_loses_none()
    {
        var url = _stores.Temp.SqliteUrl;
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "locked", "{name: noop, duration: 2s}");
        var sweep = Embedded.RunAsync(url, file, slots: 2);
        await using var store = await CoordinationStore.OpenAsync(url);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        List<FoldRecord> running = [];
        while (running.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline && !sweep.IsCompleted, "no two folds running after one done within 2 minutes");
            await Task.Delay(100);
            if ((await store.ListSweepsAsync()).SingleOrDefault() is { } listed && (await store.ProgressAsync(listed.Id)).Sum(p => p.Done) >= 1)
                running = (await store.SweepFoldsAsync(listed.Id)).Where(f => f.State == FoldStates.Running).ToList();
        }

        // Another process holds the write lock longer than the busy timeout: the folds finishing meanwhile wait for it.
        var locked = System.Diagnostics.Stopwatch.StartNew();
        using (var locker = new ChildProcess("sqlite3", [StoreLocation.Parse(url).ConnectionString, ".timeout 10000", "BEGIN EXCLUSIVE;", ".system sleep 10", "COMMIT;"]))
            Assert.True(await locker.WaitAsync(TimeSpan.FromSeconds(60)) == 0, locker.Output);
        Assert.True(locked.Elapsed >= TimeSpan.FromSeconds(10));

        var submitted = await sweep.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal((6, 0), (submitted.Status.Done, submitted.Status.Failed));
        foreach (var fold in running)
            Assert.Equal("done", (await store.AttemptsAsync(fold.Id)).Single(a => a.Attempt == fold.Attempt).Outcome);
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        Assert.Equal(TestFeatures.Build().Samples.Select(s => s.SampleId).Order(), (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).Order());
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_fold_that_always_fails_ends_failed_after_max_attempts_while_the_rest_complete(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "one-bad-fold", "{name: noop, fail_subjects: [casme2/s1]}", "max_attempts: 2");

        var submitted = await Embedded.RunAsync(url, file, slots: 2);

        await using var store = await CoordinationStore.OpenAsync(url);
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
    public async Task Stopping_an_embedded_sweep_interrupts_its_running_folds_without_failing_them_and_running_it_again_redoes_no_finished_fold(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        // Nine folds of 1.5 s on two slots, stopped while two are done and more are running.
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "stop-resume", "{name: noop, duration: 1500ms}", subjectsPerDatabase: 3);
        using var stop = new CancellationTokenSource();
        await using var store = await CoordinationStore.OpenAsync(url);
        var running = Embedded.RunAsync(url, file, slots: 2, stop: stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        // Stopped once two folds are done and the next ones are running.
        while (await ProgressAsync(store) is not { Done: >= 2, Running: > 0 })
        {
            Assert.False(running.IsCompleted, "the sweep ended before two folds were done");
            Assert.True(DateTime.UtcNow < deadline, "two folds did not finish within 2 minutes");
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        var stopped = await running;

        Assert.False(stopped.Status.Finished);
        var before = await AttemptsAsync(store, stopped.Id);
        Assert.DoesNotContain(before, a => a.Outcome is null);
        Assert.Contains(before, a => a.Outcome == "interrupted");
        Assert.All(before.Where(a => a.Outcome != "done"), a => Assert.Equal("interrupted", a.Outcome));
        Assert.All(await store.SweepFoldsAsync(stopped.Id), f => Assert.Equal(0, f.Failures));
        Assert.Equal(before.Count(a => a.Outcome == "interrupted"), (await store.SweepFoldsAsync(stopped.Id)).Sum(f => f.Interruptions));
        var doneBefore = before.Where(a => a.Outcome == "done").Select(a => a.FoldId).ToHashSet();

        var resumed = await Embedded.RunAsync(url, file, slots: 2);

        Assert.Equal(stopped.Id, resumed.Id);
        Assert.False(resumed.Created);
        Assert.True(resumed.Status.Finished);
        Assert.Equal(9, resumed.Status.Done);
        var after = await AttemptsAsync(store, stopped.Id);
        Assert.Equal(9, after.Count(a => a.Outcome == "done"));
        // A fold done before the stop was not trained again.
        Assert.All(doneBefore, fold => Assert.Single(after, a => a.FoldId == fold));
        Assert.Equal(27, (await store.PredictionsAsync((await store.TrialsAsync(stopped.Id))[0].Id)).Count);

        static async Task<(int Done, int Running)> ProgressAsync(CoordinationStore store) =>
            await store.ListSweepsAsync() is [var sweep, ..] && await store.ProgressAsync(sweep.Id) is { } trials
                ? (trials.Sum(p => p.Done), trials.Sum(p => p.Running)) : (0, 0);
    }

    private static async Task<List<FoldAttempt>> AttemptsAsync(CoordinationStore store, string sweepId)
    {
        var attempts = new List<FoldAttempt>();
        foreach (var fold in await store.SweepFoldsAsync(sweepId))
            attempts.AddRange(await store.AttemptsAsync(fold.Id));
        return attempts;
    }

    [Fact]
    public async Task The_same_sweep_file_over_the_same_features_has_the_same_id()
    {
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "stable", "{name: noop}");
        var first = await Embedded.RunAsync(_stores.Temp.SqliteUrl, file, slots: 1);
        var second = await Embedded.RunAsync(_stores.Temp.SqliteUrl, file, slots: 1);
        Assert.Equal(first.Id, second.Id);
        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(6, second.Status.Done);
    }

    [Fact]
    public async Task A_sweep_id_submitted_again_with_a_different_definition_is_refused_naming_the_id()
    {
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "twice", "{name: noop}");
        var first = await Embedded.RunAsync(_stores.Temp.SqliteUrl, file, slots: 1);
        var plan = SweepSubmitter.Plan(SweepDefinition.Load(file), new FeatureSetCache()) with { MaxAttempts = 7 };
        using var silo = await Orchestration.Cluster.SiloHost.StartAsync(new Orchestration.Cluster.SiloSettings { StoreUrl = _stores.Temp.SqliteUrl });
        var grains = (IGrainFactory)silo.Services.GetService(typeof(IGrainFactory))!;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => grains.GetGrain<Grains.ISweepGrain>(plan.Id).Start(plan));

        Assert.Equal(first.Id, plan.Id);
        Assert.Contains(plan.Id, error.Message);
        Assert.Contains("different definition", error.Message);
        await silo.StopAsync();
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

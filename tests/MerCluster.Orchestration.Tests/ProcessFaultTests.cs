using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Orchestration.Folds;

namespace MerCluster.Orchestration.Tests;

/// <summary>Crashes of real `mer` processes: a worker and a coordinator killed with SIGKILL mid-fold.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProcessFaultTests(PostgresServer postgres) : IDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_worker_killed_mid_fold_has_its_fold_rerun_by_another_worker_and_every_sample_predicted_once(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        await using var store = await CoordinationStore.OpenAsync(url);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "kill-worker", "{name: noop, duration: 1s}", subjectsPerDatabase: 3);
        var submitted = await SweepSubmitter.SubmitAsync(store, SweepDefinition.Load(file), new FeatureSetCache());
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));

        // The rescuer is up before the victim starts, so only the victim's lease running out can hand its fold over.
        using (var rescuer = MerProcess.Start("worker", "--store", url, "--name", "rescuer", "--lease", "2s", "--heartbeat", "500ms",
            "--exit-when-idle", "--sweep", submitted.Id))
        {
            await WaitForAsync(async () => (await store.WorkersAsync()).FirstOrDefault(w => w.Name == "rescuer"), rescuer);
            using var victim = MerProcess.Start("worker", "--store", url, "--name", "victim", "--lease", "2s", "--heartbeat", "500ms");
            var leased = await WaitForAsync(async () => (await store.FoldsAsync(trial.Id)).FirstOrDefault(f => f.LeaseOwner == "victim"), victim);
            victim.Kill();
            await victim.WaitAsync(ProcessTimeout);

            var exit = await rescuer.WaitAsync(ProcessTimeout);
            Assert.True(exit == 0, rescuer.Output);
            Assert.All(await store.FoldsAsync(trial.Id), f => Assert.Equal(FoldStates.Done, f.State));
            var rerun = (await store.FoldsAsync(trial.Id)).Single(f => f.Id == leased.Id);
            Assert.Equal(2, rerun.Attempt);
            var attempts = await store.AttemptsAsync(leased.Id);
            Assert.Equal(("victim", "expired"), (attempts[0].Worker, attempts[0].Outcome));
            Assert.Equal(("rescuer", "done"), (attempts[1].Worker, attempts[1].Outcome));
        }
        var predicted = (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).ToList();
        Assert.Equal(TestFeatures.Build(subjectsPerDatabase: 3).Samples.Select(s => s.SampleId).Order(), predicted.Order());
    }

    [Fact]
    public async Task A_coordinator_killed_mid_sweep_resumes_without_redoing_done_folds()
    {
        var url = _stores.Temp.SqliteUrl;
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "kill-coordinator", "{name: noop, duration: 400ms}",
            "leasing: {lease_duration: 30s, heartbeat_interval: 1s}", subjectsPerDatabase: 4);
        await using var store = await CoordinationStore.OpenAsync(url);

        Dictionary<long, int> doneBeforeCrash;
        using (var coordinator = MerProcess.Start("sweep", "run", file, "--workers", "2", "--store", url))
        {
            var sweep = await WaitForAsync(async () => (await store.ListSweepsAsync()).FirstOrDefault(), coordinator);
            await WaitForAsync(async () => (await store.ProgressAsync(sweep.Id)).Sum(p => p.Done) >= 4 ? "enough" : null, coordinator);
            coordinator.Kill();
            await coordinator.WaitAsync(ProcessTimeout);
            doneBeforeCrash = await DoneFoldAttemptsAsync(store, sweep.Id);
            Assert.True((await store.ProgressAsync(sweep.Id)).Sum(p => p.Leased) > 0, "the coordinator was killed while folds were running");
        }

        using var restarted = MerProcess.Start("sweep", "run", file, "--workers", "2", "--store", url);
        Assert.Equal(0, await restarted.WaitAsync(ProcessTimeout));

        var id = Assert.Single(await store.ListSweepsAsync()).Id;
        Assert.Equal(SweepStates.Complete, (await store.FindSweepAsync(id))!.State);
        var doneAfter = await DoneFoldAttemptsAsync(store, id);
        Assert.Equal(12, doneAfter.Count);
        foreach (var (fold, attempt) in doneBeforeCrash)
            Assert.Equal(attempt, doneAfter[fold]);
        Assert.Contains("dead local worker", restarted.Output);
        var trial = Assert.Single(await store.TrialsAsync(id));
        Assert.Equal(36, (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).Distinct().Count());
    }

    [Fact]
    public async Task A_worker_sent_SIGTERM_gives_its_fold_back_and_exits_cleanly()
    {
        var url = _stores.Temp.SqliteUrl;
        await using var store = await CoordinationStore.OpenAsync(url);
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "sigterm", "{name: noop, duration: 5m}");
        var submitted = await SweepSubmitter.SubmitAsync(store, SweepDefinition.Load(file), new FeatureSetCache());
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        using var worker = MerProcess.Start("worker", "--store", url, "--name", "polite");
        var leased = await WaitForAsync(async () => (await store.FoldsAsync(trial.Id)).FirstOrDefault(f => f.LeaseOwner == "polite"), worker);

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", worker.Id.ToString()]))
            await kill.WaitForExitAsync();

        Assert.True(await worker.WaitAsync(ProcessTimeout) == 0, worker.Output);
        var fold = (await store.FoldsAsync(trial.Id)).Single(f => f.Id == leased.Id);
        Assert.Equal((FoldStates.Pending, 0, null), (fold.State, fold.Failures, fold.LeaseOwner));
        Assert.Equal("released", Assert.Single(await store.AttemptsAsync(fold.Id)).Outcome);
        Assert.Equal("stopped", (await store.WorkersAsync()).Single(w => w.Name == "polite").State);
    }

    [Fact]
    public async Task A_worker_killed_mid_training_has_its_fold_resumed_from_the_checkpoint_by_the_next_worker()
    {
        var url = _stores.Temp.SqliteUrl;
        await using var store = await CoordinationStore.OpenAsync(url);
        TrainingSweepTests.SeparableFlowFeatures().Write(Path.Combine(_stores.Temp.Path, "features"));
        var file = Path.Combine(_stores.Temp.Path, "resume.yaml");
        File.WriteAllText(file, """
            name: resume-after-kill
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 400, batch_size: 16, seed: 1, threads: 1}
            """);
        var submitted = await SweepSubmitter.SubmitAsync(store, SweepDefinition.Load(file), new FeatureSetCache());
        var trial = Assert.Single(await store.TrialsAsync(submitted.Id));
        var checkpoints = Path.Combine(_stores.Temp.Path, "checkpoints");

        using (var victim = MerProcess.Start("worker", "--store", url, "--name", "victim", "--sweep", submitted.Id, "--checkpoints", checkpoints))
        {
            await WaitForAsync(async () =>
            {
                await Task.CompletedTask;
                return Directory.Exists(checkpoints) ? Directory.EnumerateFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories).FirstOrDefault() : null;
            }, victim);
            victim.Kill();
            await victim.WaitAsync(ProcessTimeout);
        }
        var saved = Assert.Single(Directory.GetFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories));

        using var rescuer = MerProcess.Start("worker", "--store", url, "--name", "rescuer", "--sweep", submitted.Id, "--checkpoints", checkpoints, "--exit-when-idle");
        Assert.True(await rescuer.WaitAsync(ProcessTimeout) == 0, rescuer.Output);

        Assert.Contains($"resumed from {saved} at epoch", rescuer.Output);
        Assert.All(await store.FoldsAsync(trial.Id), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Equal(18, (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).Distinct().Count());
        Assert.Empty(Directory.GetFiles(checkpoints, "*.ckpt", SearchOption.AllDirectories));
    }

    private static async Task<Dictionary<long, int>> DoneFoldAttemptsAsync(CoordinationStore store, string sweepId)
    {
        var done = new Dictionary<long, int>();
        foreach (var trial in await store.TrialsAsync(sweepId))
            foreach (var fold in await store.FoldsAsync(trial.Id))
                if (fold.State == FoldStates.Done)
                    done[fold.Id] = fold.Attempt;
        return done;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, ChildProcess process) where T : class
    {
        var deadline = DateTime.UtcNow + ProcessTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
                return value;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the condition was not reached in {ProcessTimeout.TotalSeconds} s; mer output:\n{process.Output}");
    }

    public void Dispose() => _stores.Dispose();
}

using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

/// <summary>
/// A real cluster: `mer silo` processes on one store (PostgreSQL 15 on loopback, or one SQLite file shared by two silos),
/// sharing out the preprocessing, and killed with SIGKILL or stopped with SIGTERM while a sweep runs. The sweep is submitted by this test
/// process as an Orleans client; what happened is read from the store.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(PostgresServer postgres) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromMinutes(4);
    private readonly StoreKinds _stores = new(postgres);
    private readonly List<ChildProcess> _silos = [];

    private string Checkpoints => Path.Combine(_stores.Temp.Path, "cache", "checkpoints");

    [Theory]
    [InlineData("postgres", 3)]
    [InlineData("sqlite", 2)]
    public async Task A_silo_killed_while_training_has_its_fold_resumed_from_its_checkpoint_on_another_silo_and_every_sample_predicted_once_and_its_story_told(string kind, int silos)
    {
        var url = await _stores.UrlAsync(kind);
        TrainingSweepTests.SeparableFlowFeatures().Write(Path.Combine(_stores.Temp.Path, "features"));
        var file = Path.Combine(_stores.Temp.Path, "kill-training.yaml");
        File.WriteAllText(file, """
            name: kill-training
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 300, batch_size: 16, seed: 1, threads: 1}
            max_attempts: 3
            """);
        await StartSilosAsync(url, silos, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);

        // The first checkpoint written names the fold (…/<subject>.ckpt); its silo is the victim.
        var checkpoint = await WaitForAsync(() => Task.FromResult(Directory.Exists(Checkpoints)
            ? Directory.EnumerateFiles(Checkpoints, "*.ckpt", SearchOption.AllDirectories).FirstOrDefault() : null), "a fold to save a checkpoint");
        var fold = await WaitForAsync(async () => (await store.SweepFoldsAsync(sweepId)).FirstOrDefault(f =>
            f.State == FoldStates.Running && f.HeldOutSubject.Replace('/', '_') + ".ckpt" == Path.GetFileName(checkpoint)), "the checkpointing fold to be running");
        await WaitForAsync(async () => (await store.FoldEventsAsync(sweepId, fold.Id)).FirstOrDefault(e => e.Kind == FoldEventKinds.Checkpoint), "its checkpoint event");
        var victim = Silo(fold.Silo!);
        victim.Kill();
        var killed = DateTime.UtcNow;
        await victim.WaitAsync(StartTimeout);

        // The others vote the killed silo out within Orleans' failure detection (missed probes of 1 s), and status says so.
        await WaitForAsync(async () => (await ClusterSilos.ReadAsync(store, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
            .FirstOrDefault(s => s.Name == fold.Silo && s.Status == "Dead"), $"silo {fold.Silo} to be declared dead", TimeSpan.FromSeconds(60));
        var detection = DateTime.UtcNow - killed;
        using (var status = MerProcess.Start("status", "--store", url))
        {
            Assert.True(await status.WaitAsync(StartTimeout) == 0, status.Output);
            Assert.Matches($@"│ {fold.Silo} +│[^\n]*│ Dead +│", status.Output);
        }

        await WaitForCompleteAsync(store, sweepId);

        var attempts = await store.AttemptsAsync(fold.Id);
        Assert.Equal((fold.Silo, "interrupted"), (attempts[0].Silo, attempts[0].Outcome));
        Assert.Contains("died", attempts[0].Error);
        Assert.Equal("done", attempts[^1].Outcome);
        var history = string.Join("; ", attempts.Select(a => $"#{a.Attempt} {a.Silo} {a.Outcome} {a.Error}"));
        Assert.True((0, 1) == ((await store.FoldAsync(fold.Id))!.Failures, (await store.FoldAsync(fold.Id))!.Interruptions), history);
        Assert.NotEqual(fold.Silo, attempts[^1].Silo);
        Assert.True(_silos.Where(s => s != victim).Any(s => s.Output.Contains($"resumed from {checkpoint} at epoch", StringComparison.Ordinal)),
            string.Join("\n", await store.FoldEventsAsync(sweepId, fold.Id)) + "\n" + string.Join("\n---\n", _silos.Select(s => s.Output)));
        await AssertEveryPredictionOnceAsync(store, sweepId, TrainingSweepTests.SeparableFlowFeatures().Samples.Select(s => s.SampleId));
        Assert.Empty(Directory.GetFiles(Checkpoints, "*.ckpt", SearchOption.AllDirectories));

        // The fold's story, in order: placed, started and checkpointed on the victim, interrupted with it, then placed on
        // another silo, resumed from an epoch at least the one checkpointed, and completed there.
        var events = await store.FoldEventsAsync(sweepId, fold.Id);
        var story = string.Join("\n", events) + $"\n(declared dead {detection.TotalSeconds:0.0} s after the kill)";
        Assert.True(events.Select(e => e.At).Order().SequenceEqual(events.Select(e => e.At)), story);
        var first = events.Where(e => e.Attempt == fold.Attempt).ToList();
        Assert.True(first.Select(e => e.Kind).Distinct().SequenceEqual([FoldEventKinds.Placed, FoldEventKinds.Started, FoldEventKinds.Checkpoint, FoldEventKinds.Interrupted]), story);
        Assert.All(first, e => Assert.Equal(fold.Silo, e.Silo));
        Assert.Contains("died", first[^1].Message);
        var checkpointed = first.Where(e => e.Kind == FoldEventKinds.Checkpoint).Max(e => e.Epoch)!.Value;
        Assert.InRange(checkpointed, 1, 299);
        var last = events.Where(e => e.Attempt == attempts[^1].Attempt).ToList();
        Assert.True(last.Select(e => e.Kind).Where(k => k != FoldEventKinds.Checkpoint).SequenceEqual(
            [FoldEventKinds.Placed, FoldEventKinds.Started, FoldEventKinds.Resumed, FoldEventKinds.Completed]), story);
        Assert.All(last, e => Assert.Equal(attempts[^1].Silo, e.Silo));
        Assert.InRange(last.Single(e => e.Kind == FoldEventKinds.Resumed).Epoch!.Value, checkpointed, 300);
        Assert.Equal("cpu", last[0].Device);
    }

    [Fact]
    public async Task Silos_sharing_no_folder_train_from_blob_storage_and_a_killed_silos_fold_resumes_from_its_blob_checkpoint_elsewhere()
    {
        // Azurite stands in for Azure Blob storage; each silo has a disk of its own (--cache), so nothing reaches a
        // silo but through the blob store: the sweep's features (uploaded by the submitter) and the folds' checkpoints.
        await using var azurite = await Artifacts.TemporaryAzurite.StartAsync();
        var artifactsUrl = $"azblob://{azurite.CreateContainer()}/lab";
        var environment = new Dictionary<string, string> { [Artifacts.BlobArtifactStore.ConnectionStringVariable] = azurite.ConnectionString };
        var blobs = Artifacts.BlobArtifactStore.Open(artifactsUrl, name => environment.GetValueOrDefault(name));
        var url = await _stores.UrlAsync("postgres");
        var features = Path.Combine(_stores.Temp.Path, "submitter", "features");
        TrainingSweepTests.SeparableFlowFeatures().Write(features);
        var file = Path.Combine(_stores.Temp.Path, "submitter", "blob-training.yaml");
        File.WriteAllText(file, """
            name: blob-training
            features: features
            model: {name: ststnet, settings: {classes: 3}}
            train: {optimizer: adam, learning_rate: 1.0e-2, epochs: 300, batch_size: 16, seed: 1, threads: 1}
            max_attempts: 3
            """);
        var started = Enumerable.Range(0, 2).Select(i => MerProcess.StartWith(environment, "silo", "--store", url, "--slots", "1", "--name", $"blob-silo-{i}",
            "--artifacts", artifactsUrl, "--cache", Path.Combine(_stores.Temp.Path, $"disk-{i}"), "--threads", "1")).ToList();
        _silos.AddRange(started);
        foreach (var silo in started)
            await silo.WaitForOutputAsync("joined the cluster", StartTimeout);

        using var submit = MerProcess.StartWith(environment, "sweep", "submit", file, "--store", url, "--artifacts", artifactsUrl,
            "--cache", Path.Combine(_stores.Temp.Path, "submitter", "cache"));
        Assert.True(await submit.WaitAsync(StartTimeout) == 0, submit.Output);
        Assert.Contains($"uploading the features {features} to {artifactsUrl}/featuresets/upload-", submit.Output);
        await using var store = await CoordinationStore.OpenAsync(url);
        var sweepId = Assert.Single(await store.ListSweepsAsync()).Id;
        Assert.Contains($"{artifactsUrl}/featuresets/upload-", (await store.FindSweepAsync(sweepId))!.Yaml);

        var checkpoint = await WaitForAsync(() => Task.FromResult(blobs.List("checkpoints/").FirstOrDefault(n => n.EndsWith(".ckpt", StringComparison.Ordinal))),
            "a fold to store a checkpoint in blob storage");
        var fold = await WaitForAsync(async () => (await store.SweepFoldsAsync(sweepId)).FirstOrDefault(f =>
            f.State == FoldStates.Running && checkpoint.EndsWith("/" + f.HeldOutSubject.Replace('/', '_') + ".ckpt", StringComparison.Ordinal)), "the checkpointing fold to be running");
        var victim = Silo(fold.Silo!);
        victim.Kill();
        await victim.WaitAsync(StartTimeout);

        await WaitForCompleteAsync(store, sweepId);
        var attempts = await store.AttemptsAsync(fold.Id);
        Assert.Equal("done", attempts[^1].Outcome);
        Assert.NotEqual(fold.Silo, attempts[^1].Silo);
        Assert.Contains(_silos.Where(s => s != victim), s => s.Output.Contains($"resumed from {blobs.Locate(checkpoint)} at epoch", StringComparison.Ordinal));
        await AssertEveryPredictionOnceAsync(store, sweepId, TrainingSweepTests.SeparableFlowFeatures().Samples.Select(s => s.SampleId));
        Assert.Empty(blobs.List("checkpoints/"));
        // Each silo trained from its local copy of the feature set, downloaded from the blob store.
        foreach (var i in new[] { 0, 1 })
            Assert.NotEmpty(Directory.GetDirectories(Path.Combine(_stores.Temp.Path, $"disk-{i}", "featuresets")));
    }

    [Fact]
    public async Task The_silo_hosting_the_sweep_and_its_trials_killed_mid_sweep_loses_nothing_and_the_sweep_completes_elsewhere()
    {
        var url = await _stores.UrlAsync("postgres");
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "kill-sweep-host", "{name: noop, duration: 1s}", "max_attempts: 5", subjectsPerDatabase: 4);
        await StartSilosAsync(url, 3, slots: 1);
        string sweepId, host;
        await using (var cluster = await ClusterConnection.ConnectAsync(url))
        {
            var submitted = await SweepSubmitter.SubmitAsync(cluster.Grains, cluster.Store, SweepSubmitter.Plan(SweepDefinition.Load(file), new FeatureSetCache()));
            (sweepId, host) = (submitted.Id, submitted.Status.Silo);
        }
        await using var store = await CoordinationStore.OpenAsync(url);
        await WaitForAsync(async () => (await store.ProgressAsync(sweepId)).Sum(p => p.Done) >= 2 ? "done" : null, "two folds to finish");

        Silo(host).Kill();

        await WaitForCompleteAsync(store, sweepId);
        Assert.All(await store.SweepFoldsAsync(sweepId), f => Assert.Equal(FoldStates.Done, f.State));
        await AssertEveryPredictionOnceAsync(store, sweepId, TestFeatures.Build(subjectsPerDatabase: 4).Samples.Select(s => s.SampleId));
        var results = await store.TrialResultsAsync(sweepId);
        Assert.Equal(36, results.Single(r => r.Part == "overall").N);
    }

    [Fact]
    public async Task Every_silo_stopped_mid_sweep_and_new_ones_started_redo_no_finished_fold()
    {
        var url = await _stores.UrlAsync("postgres");
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "replace-all", "{name: noop, duration: 1500ms}", subjectsPerDatabase: 4);
        await StartSilosAsync(url, 2, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);
        await WaitForAsync(async () => (await store.ProgressAsync(sweepId)).Sum(p => p.Done) >= 3 ? "done" : null, "three folds to finish");

        foreach (var silo in _silos.ToList())
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", silo.Id.ToString()]))
                await term.WaitForExitAsync();
        foreach (var silo in _silos.ToList())
            Assert.True(await silo.WaitAsync(StartTimeout) == 0, silo.Output);
        var doneBefore = new Dictionary<long, int>();
        foreach (var fold in (await store.SweepFoldsAsync(sweepId)).Where(f => f.State == FoldStates.Done))
            doneBefore[fold.Id] = (await store.AttemptsAsync(fold.Id)).Count;
        Assert.DoesNotContain(await store.SweepFoldsAsync(sweepId), f => f.State == FoldStates.Running);

        await StartSilosAsync(url, 2, slots: 1, first: 2);

        await WaitForCompleteAsync(store, sweepId);
        foreach (var fold in await store.SweepFoldsAsync(sweepId))
        {
            var attempts = await store.AttemptsAsync(fold.Id);
            Assert.Equal(0, fold.Failures);
            Assert.Single(attempts, a => a.Outcome == "done");
            // A fold finished before the stop has no attempt after it.
            if (doneBefore.TryGetValue(fold.Id, out var before))
                Assert.Equal(before, attempts.Count);
        }
        await AssertEveryPredictionOnceAsync(store, sweepId, TestFeatures.Build(subjectsPerDatabase: 4).Samples.Select(s => s.SampleId));
    }

    [Fact]
    public async Task A_fold_that_finishes_as_the_only_silo_stops_keeps_its_result_and_the_silo_exits_promptly()
    {
        // The trial grain lives on the stopping silo too, so no grain can take the fold's predictions: the fold
        // records them in the store itself instead of waiting for a cluster that is going away.
        var url = await _stores.UrlAsync("postgres");
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "finish-on-stop", "{name: noop, duration: 4s, finish_on_stop: true}");
        await StartSilosAsync(url, 1, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);
        var fold = await WaitForAsync(async () => (await store.SweepFoldsAsync(sweepId)).FirstOrDefault(f => f.State == FoldStates.Running), "a fold to start");

        var silo = _silos.Single();
        // Stopped once the fold is in its uninterruptible wait (before it, a stop interrupts it as it should).
        await silo.WaitForOutputAsync("to the end, stop or not", StartTimeout);
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", silo.Id.ToString()]))
            await term.WaitForExitAsync();
        Assert.True(await silo.WaitAsync(StartTimeout) == 0, silo.Output);
        // Well inside the two minutes the fold would otherwise keep trying its trial grain (the fold itself takes 4 s).
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(60), $"the silo took {stopped.Elapsed} to stop");

        var after = await store.FoldAsync(fold.Id);
        Assert.Equal(FoldStates.Done, after!.State);
        Assert.Equal("done", (await store.AttemptsAsync(fold.Id))[^1].Outcome);
        var predictions = await store.PredictionsAsync(fold.TrialId);
        Assert.Equal(3, predictions.Count(p => p.FoldId == fold.Id));
        Assert.Contains("records its predictions in the store", silo.Output);
        var overall = Assert.Single(await store.TrialResultsAsync(sweepId), r => r.Part == "overall");
        Assert.Equal(predictions.Count, overall.N);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(60)]
    public async Task PostgreSQL_stopped_mid_sweep_keeps_the_results_of_folds_finishing_meanwhile_and_no_silo_exits_or_is_declared_dead(int outageSeconds)
    {
        // A server of its own, stopped and started again: the collection's is shared with the other tests.
        await using var server = await TemporaryPostgresServer.StartAsync();
        var url = await server.CreateDatabaseAsync();
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, $"outage-{outageSeconds}", "{name: noop, duration: 3s}");
        await StartSilosAsync(url, 2, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);
        await WaitForAsync(async () => (await store.ProgressAsync(sweepId)).Sum(p => p.Done) >= 1 ? "done" : null, "a fold to finish", SweepTimeout);
        var running = await WaitForAsync(async () => (await store.SweepFoldsAsync(sweepId)).Where(f => f.State == FoldStates.Running).ToList() is { Count: 2 } both ? both : null,
            "a fold running on each silo");

        // The running folds (3 s each) finish while the server is down: their results wait in their grains.
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(outageSeconds));
        Assert.All(_silos, s => Assert.False(s.HasExited, s.Output));
        await server.RestartAsync();

        await WaitForCompleteAsync(store, sweepId);
        Assert.All(_silos, s => Assert.False(s.HasExited, s.Output));
        foreach (var fold in running)
            Assert.Equal("done", (await store.AttemptsAsync(fold.Id)).Single(a => a.Attempt == fold.Attempt).Outcome);
        Assert.All(await store.SweepFoldsAsync(sweepId), f => Assert.Equal((FoldStates.Done, 0), (f.State, f.Failures)));
        await AssertEveryPredictionOnceAsync(store, sweepId, TestFeatures.Build().Samples.Select(s => s.SampleId));
        var members = (await store.ReadMembershipAsync(Grains.ClusterNames.Cluster))!.Silos;
        Assert.Equal(["Active", "Active"], members.Select(m => m.Status));
    }

    [Fact]
    public async Task A_poison_fold_fails_after_max_attempts_with_its_error_and_every_other_fold_completes()
    {
        var url = await _stores.UrlAsync("postgres");
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "poison", "{name: noop, duration: 100ms, fail_subjects: [samm/s2]}", "max_attempts: 3");
        await StartSilosAsync(url, 2, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);

        await WaitForCompleteAsync(store, sweepId);

        var folds = await store.SweepFoldsAsync(sweepId);
        var poison = Assert.Single(folds, f => f.State == FoldStates.Failed);
        Assert.Equal(("samm/s2", 3, 3, 0), (poison.HeldOutSubject, poison.Attempt, poison.Failures, poison.Interruptions));
        Assert.Contains("fail_subjects", poison.LastError);
        Assert.Equal(3, (await store.AttemptsAsync(poison.Id)).Count(a => a.Outcome == "failed"));
        Assert.All(folds.Where(f => f != poison), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Equal(15, (await store.TrialResultsAsync(sweepId)).Single(r => r.Part == "overall").N);
    }

    [Fact]
    public async Task A_fold_whose_silo_is_killed_three_times_completes_with_max_attempts_1_as_three_interruptions_and_no_failure()
    {
        var url = await _stores.UrlAsync("postgres");
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "preempted", "{name: noop, duration: 10s}", "max_attempts: 1");
        await StartSilosAsync(url, 2, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);

        var fold = await KillTheSiloOfAFoldAsync(url, store, sweepId, kills: 3);

        await WaitForCompleteAsync(store, sweepId);
        var ended = (await store.FoldAsync(fold.Id))!;
        var attempts = await store.AttemptsAsync(fold.Id);
        var history = string.Join("; ", attempts.Select(a => $"#{a.Attempt} {a.Silo} {a.Outcome} {a.Error}"));
        Assert.True((ended.State, ended.Failures) == (FoldStates.Done, 0), history);
        // Three interruptions are the kills; on a loaded machine Orleans may also move an activation, which stops its attempt: one more.
        Assert.Equal(3, attempts.Count(a => a.Outcome == "interrupted" && a.Error!.Contains("died", StringComparison.Ordinal)));
        Assert.Equal(attempts.Count(a => a.Outcome == "interrupted"), ended.Interruptions);
        Assert.DoesNotContain(attempts, a => a.Outcome == "failed");
        Assert.Equal("done", attempts[^1].Outcome);
        Assert.All(await store.SweepFoldsAsync(sweepId), f => Assert.Equal(FoldStates.Done, f.State));
        Assert.Contains(await store.ProgressAsync(sweepId), p => p.Interrupted >= 1 && p.Interruptions >= 3);
        await AssertEveryPredictionOnceAsync(store, sweepId, TestFeatures.Build().Samples.Select(s => s.SampleId));
    }

    [Fact]
    public async Task A_fold_interrupted_more_than_max_interruptions_times_fails_with_an_error_naming_the_cap()
    {
        var url = await _stores.UrlAsync("postgres");
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "kills-its-silo", "{name: noop, duration: 10s}", "max_attempts: 3\nmax_interruptions: 1");
        await StartSilosAsync(url, 2, slots: 1);
        var sweepId = await SubmitAsync(url, file);
        await using var store = await CoordinationStore.OpenAsync(url);

        var fold = await KillTheSiloOfAFoldAsync(url, store, sweepId, kills: 2);

        await WaitForCompleteAsync(store, sweepId);
        var ended = (await store.FoldAsync(fold.Id))!;
        Assert.Equal((FoldStates.Failed, 0, 2), (ended.State, ended.Failures, ended.Interruptions));
        Assert.Contains("max_interruptions (1)", ended.LastError);
        Assert.Equal(2, (await store.AttemptsAsync(fold.Id)).Count(a => a.Outcome == "interrupted"));
    }

    [Fact]
    public async Task A_dataset_sweep_has_its_clips_preprocessed_by_every_silo_then_trains_on_the_feature_set()
    {
        var url = _stores.Temp.SqliteUrl;
        Datasets.Synthetic.SyntheticDataset.Write(Path.Combine(_stores.Temp.Path, "synthetic"), new Datasets.Synthetic.SynthOptions { Scale = Datasets.Synthetic.SynthScale.Small, Seed = 5, Difficulty = Datasets.Synthetic.SynthDifficulty.Easy });
        var file = Path.Combine(_stores.Temp.Path, "dataset.yaml");
        File.WriteAllText(file, """
            name: dataset-on-cluster
            dataset: {casme2: synthetic/CASME2, samm: synthetic/SAMM, smic: synthetic/SMIC}
            pipeline: quick
            model: {name: noop}
            """);
        await StartSilosAsync(url, 2, slots: 1);

        using var submit = MerProcess.Start("sweep", "submit", file, "--store", url);
        Assert.True(await submit.WaitAsync(SweepTimeout) == 0, submit.Output);

        Assert.Contains("across the cluster's silos", submit.Output);
        Assert.All(_silos, silo => Assert.Contains("preprocessed shard", silo.Output));
        await using var store = await CoordinationStore.OpenAsync(url);
        var sweep = Assert.Single(await store.ListSweepsAsync());
        await WaitForCompleteAsync(store, sweep.Id);
        Assert.Equal(9, (await store.SweepFoldsAsync(sweep.Id)).Count(f => f.State == FoldStates.Done));
        Assert.Single(await store.CacheEntriesAsync());
    }

    private async Task StartSilosAsync(string url, int count, int slots, int first = 0)
    {
        var started = Enumerable.Range(first, count).Select(i => MerProcess.Start("silo", "--store", url, "--slots", slots.ToString(), "--name", $"silo-{i}",
            "--cache", Path.Combine(_stores.Temp.Path, "cache"), "--threads", "1")).ToList();
        _silos.AddRange(started);
        foreach (var silo in started)
            await silo.WaitForOutputAsync("joined the cluster", StartTimeout);
    }

    /// <summary>
    /// SIGKILLs the silo running a fold once another is done, then, <paramref name="kills"/> times in all, the silo
    /// of that fold's next attempt; a fresh silo (one slot) replaces each one killed. Returns the fold as first seen running.
    /// </summary>
    private async Task<FoldRecord> KillTheSiloOfAFoldAsync(string url, CoordinationStore store, string sweepId, int kills)
    {
        // Not before a fold is done: by then every grain of the sweep is up, so the kills interrupt folds only.
        await WaitForAsync(async () => (await store.ProgressAsync(sweepId)).Sum(p => p.Done) >= 1 ? "done" : null, "a fold to finish", SweepTimeout);
        // A fold whose attempt has just started: the first folds start together, so when one is done the others are
        // finishing too, and one done before its silo dies never runs again (the noop folds take 10 s).
        var fold = await WaitForAsync(async () =>
        {
            foreach (var running in (await store.SweepFoldsAsync(sweepId)).Where(f => f.State == FoldStates.Running))
                if ((await store.AttemptsAsync(running.Id)).SingleOrDefault(a => a.Attempt == running.Attempt) is { } attempt
                    && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - attempt.StartedAt < 3000)
                    return running;
            return null;
        }, "a fold to start", SweepTimeout);
        var attempt = fold.Attempt;
        for (var kill = 1; kill <= kills; kill++)
        {
            var running = kill == 1 ? fold : await WithFoldsOnTimeoutAsync(store, sweepId, () => WaitForAsync(
                async () => await store.FoldAsync(fold.Id) is { State: FoldStates.Running } f && f.Attempt > attempt ? f : null,
                $"fold {fold.HeldOutSubject} to run again after kill {kill - 1}", SweepTimeout));
            attempt = running.Attempt;
            var victim = Silo(running.Silo!);
            victim.Kill();
            await victim.WaitAsync(StartTimeout);
            await StartSilosAsync(url, 1, slots: 1, first: _silos.Count);
        }
        return fold;
    }

    private ChildProcess Silo(string name) =>
        _silos.Single(s => s.Output.Contains($"silo {name} joined the cluster", StringComparison.Ordinal));

    private static async Task<string> SubmitAsync(string url, string file)
    {
        await using var cluster = await ClusterConnection.ConnectAsync(url);
        return (await SweepSubmitter.SubmitAsync(cluster.Grains, cluster.Store, SweepSubmitter.Plan(SweepDefinition.Load(file), new FeatureSetCache()))).Id;
    }

    private Task<string> WaitForCompleteAsync(CoordinationStore store, string sweepId) =>
        WithFoldsOnTimeoutAsync(store, sweepId, () =>
            WaitForAsync(async () => (await store.FindSweepAsync(sweepId))?.State == SweepStates.Complete ? "complete" : null, "the sweep to complete", SweepTimeout));

    /// <summary>Runs <paramref name="wait"/>; when it times out, the error also lists every fold of the sweep with its attempts.</summary>
    private static async Task<T> WithFoldsOnTimeoutAsync<T>(CoordinationStore store, string sweepId, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException e)
        {
            var folds = new List<string>();
            foreach (var fold in await store.SweepFoldsAsync(sweepId))
                folds.Add($"{fold.HeldOutSubject} {fold.State} attempt {fold.Attempt} on {fold.Silo}: "
                    + string.Join("; ", (await store.AttemptsAsync(fold.Id)).Select(a => $"#{a.Attempt} {a.Silo} {a.Outcome ?? "running"} {a.Error}")));
            throw new TimeoutException("folds:\n" + string.Join("\n", folds) + "\n" + e.Message, e);
        }
    }

    private static async Task AssertEveryPredictionOnceAsync(CoordinationStore store, string sweepId, IEnumerable<string> samples)
    {
        foreach (var trial in await store.TrialsAsync(sweepId))
            Assert.Equal(samples.Order(), (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).Order());
    }

    private async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? StartTimeout);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
                return value;
            await Task.Delay(100);
        }
        throw new TimeoutException($"waited {(timeout ?? StartTimeout).TotalSeconds} s for {what}; silos:\n"
            + string.Join("\n---\n", _silos.Select(s => s.Output)));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var silo in _silos)
            silo.Dispose();
        _stores.Dispose();
        return Task.CompletedTask;
    }
}

using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using MerCluster.Orchestration.Folds;

namespace MerCluster.Orchestration.Tests;

/// <summary>Crashes of real `mer` processes killed with SIGKILL mid-fold.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProcessFaultTests(PostgresServer postgres) : IDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private readonly StoreKinds _stores = new(postgres);

    [Fact]
    public async Task An_embedded_sweep_killed_mid_sweep_resumes_without_redoing_done_folds()
    {
        var url = _stores.Temp.SqliteUrl;
        var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, "kill-embedded", "{name: noop, duration: 400ms}", subjectsPerDatabase: 4);
        await using var store = await CoordinationStore.OpenAsync(url);

        Dictionary<long, int> doneBeforeCrash;
        using (var embedded = MerProcess.Start("sweep", "run", file, "--slots", "2", "--store", url))
        {
            var sweep = await WaitForAsync(async () => (await store.ListSweepsAsync()).FirstOrDefault(), embedded);
            // Killed once four folds are done and the next ones are running (not in the moment between two folds).
            await WaitForAsync(async () => await store.ProgressAsync(sweep.Id) is { } trials && trials.Sum(p => p.Done) >= 4 && trials.Sum(p => p.Running) > 0
                ? "enough" : null, embedded);
            embedded.Kill();
            await embedded.WaitAsync(ProcessTimeout);
            doneBeforeCrash = await DoneFoldAttemptsAsync(store, sweep.Id);
            Assert.True((await store.ProgressAsync(sweep.Id)).Sum(p => p.Running) > 0, "the sweep was killed while folds were running");
        }

        using var restarted = MerProcess.Start("sweep", "run", file, "--slots", "2", "--store", url);
        Assert.Equal(0, await restarted.WaitAsync(ProcessTimeout));

        var id = Assert.Single(await store.ListSweepsAsync()).Id;
        Assert.Equal(SweepStates.Complete, (await store.FindSweepAsync(id))!.State);
        var doneAfter = await DoneFoldAttemptsAsync(store, id);
        Assert.Equal(12, doneAfter.Count);
        foreach (var (fold, attempt) in doneBeforeCrash)
            Assert.Equal(attempt, doneAfter[fold]);
        // The folds the killed silo was running are counted as a lost attempt (an interruption) and trained again; the
        // restarted silo's sweep grain or the folds' own reminders notice first, whichever ticks first.
        var attempts = new List<FoldAttempt>();
        foreach (var fold in await store.SweepFoldsAsync(id))
            attempts.AddRange(await store.AttemptsAsync(fold.Id));
        Assert.Contains(attempts, a => a.Outcome == "interrupted" && a.Error?.Contains("died during attempt", StringComparison.Ordinal) == true);
        Assert.All(attempts, a => Assert.NotEqual("failed", a.Outcome));
        var trial = Assert.Single(await store.TrialsAsync(id));
        Assert.Equal(36, (await store.PredictionsAsync(trial.Id)).Select(p => p.SampleId).Distinct().Count());
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

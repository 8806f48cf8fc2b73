using MerCluster.Core.Metrics;
using System.Collections.Concurrent;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class LeasingTests(PostgresServer postgres) : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Opening_a_store_twice_migrates_it_to_the_latest_schema_once(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        await using (var first = await CoordinationStore.OpenAsync(url))
            await StoreKinds.CreateSweepAsync(first, trials: 1, subjects: 2);
        await using var second = await CoordinationStore.OpenAsync(url);
        Assert.Equal(Migrations.Latest, await second.SchemaVersionAsync());
        Assert.Single(await second.ListSweepsAsync());
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Claims_are_exclusive_when_many_workers_claim_at_once(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 2, subjects: 15);
        var held = new ConcurrentDictionary<long, string>();
        var completed = new ConcurrentBag<long>();
        var overlaps = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var worker = $"worker-{w}";
            while ((await store.ClaimAsync(worker, Long, sweep)).Lease is { } lease)
            {
                if (!held.TryAdd(lease.FoldId, worker))
                    Interlocked.Increment(ref overlaps);
                await Task.Delay(Random.Shared.Next(1, 6));
                held.TryRemove(lease.FoldId, out _);
                Assert.True(await store.CompleteAsync(lease, []));
                completed.Add(lease.FoldId);
            }
        })));

        Assert.Equal(0, overlaps);
        Assert.Equal(30, completed.Count);
        Assert.Equal(30, completed.Distinct().Count());
        var trials = await store.TrialsAsync(sweep);
        foreach (var trial in trials)
            Assert.All(await store.FoldsAsync(trial.Id), f => Assert.Equal((FoldStates.Done, 1), (f.State, f.Attempt)));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_stale_worker_cannot_write_a_fold_whose_lease_was_taken_over(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 1, subjects: 1);
        var stale = (await store.ClaimAsync("slow", TimeSpan.FromMilliseconds(100), sweep)).Lease!;
        await Task.Delay(300);

        var takeover = await store.ClaimAsync("fast", Long, sweep);

        Assert.Equal(2, takeover.Lease!.Attempt);
        Assert.Single(takeover.Expired);
        Assert.False(await store.RenewAsync(stale, Long));
        Assert.False(await store.CompleteAsync(stale, [Prediction("casme2/sub01/a")]));
        Assert.Null(await store.FailAsync(stale, "late failure"));
        Assert.Empty(await store.PredictionsAsync(stale.TrialId));
        Assert.True(await store.CompleteAsync(takeover.Lease, [Prediction("casme2/sub01/a")]));
        var stored = Assert.Single(await store.PredictionsAsync(stale.TrialId));
        Assert.Equal(2, stored.Attempt);
        var attempts = await store.AttemptsAsync(stale.FoldId);
        Assert.Equal(["expired", "done"], attempts.Select(a => a.Outcome));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_lease_that_keeps_expiring_fails_the_fold_after_max_attempts(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 1, subjects: 1, maxAttempts: 2);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var lease = (await store.ClaimAsync($"doomed-{attempt}", TimeSpan.FromMilliseconds(50), sweep)).Lease!;
            Assert.Equal(attempt, lease.Attempt);
            await Task.Delay(150);
        }

        var last = await store.ClaimAsync("survivor", Long, sweep);

        Assert.Null(last.Lease);
        var fold = Assert.Single(await store.FoldsAsync((await store.TrialsAsync(sweep))[0].Id));
        Assert.Equal(FoldStates.Failed, fold.State);
        Assert.Contains("doomed-2", fold.LastError);
        Assert.False(await store.HasOpenFoldsAsync(sweep));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_renewed_lease_does_not_expire(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 1, subjects: 1);
        var lease = (await store.ClaimAsync("steady", TimeSpan.FromMilliseconds(300), sweep)).Lease!;
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(150);
            Assert.True(await store.RenewAsync(lease, TimeSpan.FromMilliseconds(300)));
        }
        var other = await store.ClaimAsync("thief", Long, sweep);
        Assert.Null(other.Lease);
        Assert.Empty(other.Expired);
        Assert.True(await store.CompleteAsync(lease, []));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_failing_fold_is_retried_then_failed_with_its_last_error(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 1, subjects: 1, maxAttempts: 3);
        var states = new List<string?>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var lease = (await store.ClaimAsync("w", Long, sweep)).Lease!;
            Assert.Equal(attempt, lease.Attempt);
            states.Add(await store.FailAsync(lease, $"boom {attempt}"));
        }

        Assert.Equal([FoldStates.Pending, FoldStates.Pending, FoldStates.Failed], states);
        Assert.Null((await store.ClaimAsync("w", Long, sweep)).Lease);
        var fold = Assert.Single(await store.FoldsAsync((await store.TrialsAsync(sweep))[0].Id));
        Assert.Equal("boom 3", fold.LastError);
        Assert.Equal(["boom 1", "boom 2", "boom 3"], (await store.AttemptsAsync(fold.Id)).Select(a => a.Error));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Releasing_a_fold_returns_it_without_counting_a_failure(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 1, subjects: 1, maxAttempts: 1);
        var first = (await store.ClaimAsync("stopping", Long, sweep)).Lease!;
        Assert.True(await store.ReleaseAsync(first, "worker stopped"));

        var second = (await store.ClaimAsync("next", Long, sweep)).Lease!;

        Assert.Equal(2, second.Attempt);
        Assert.True(await store.CompleteAsync(second, []));
        var fold = Assert.Single(await store.FoldsAsync(second.TrialId));
        Assert.Equal((FoldStates.Done, 0), (fold.State, fold.Failures));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_sample_cannot_be_predicted_twice_in_one_trial(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 1, subjects: 2);
        var a = (await store.ClaimAsync("w", Long, sweep)).Lease!;
        var b = (await store.ClaimAsync("w", Long, sweep)).Lease!;
        Assert.True(await store.CompleteAsync(a, [Prediction("casme2/sub01/x")]));

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.CompleteAsync(b, [Prediction("casme2/sub01/x")]));

        Assert.Equal(FoldStates.Leased, (await store.FoldsAsync(b.TrialId)).Single(f => f.Id == b.FoldId).State);
        Assert.Single(await store.PredictionsAsync(a.TrialId));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Submitting_a_stored_sweep_again_changes_nothing(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var sweep = await StoreKinds.CreateSweepAsync(store, trials: 2, subjects: 3);
        var lease = (await store.ClaimAsync("w", Long, sweep)).Lease!;
        Assert.True(await store.CompleteAsync(lease, []));

        Assert.False(await store.CreateSweepAsync(new SweepPlan(sweep, "test", "name: test", "/tmp", "[]", 3, [new PlannedTrial("t0", "[]")], ["casme2/sub01"])));

        var progress = await store.ProgressAsync(sweep);
        Assert.Equal([(1, 2), (0, 3)], progress.Select(p => (p.Done, p.Pending)));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Workers_register_and_heartbeat_in_the_membership_table(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        await store.RegisterWorkerAsync("gpu-node-1", "node1", 42, "cuda:0");
        var registered = Assert.Single(await store.WorkersAsync());
        await Task.Delay(20);
        await store.HeartbeatAsync("gpu-node-1");
        var beat = Assert.Single(await store.WorkersAsync());
        Assert.Equal(("node1", 42, "cuda:0", "running"), (beat.Host, beat.Pid, beat.Device, beat.State));
        Assert.True(beat.HeartbeatAt > registered.HeartbeatAt);
    }

    private static SamplePrediction Prediction(string sampleId) =>
        new(sampleId, "casme2/sub01", "casme2", "negative", "negative", [1.0, 0.0, 0.0]);

    public void Dispose() => _stores.Dispose();
}

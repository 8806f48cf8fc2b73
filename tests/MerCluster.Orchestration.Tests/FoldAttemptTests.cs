using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

/// <summary>How the store ends a fold's attempts: failures count toward max_attempts, interruptions toward max_interruptions, each in its own column.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FoldAttemptTests(PostgresServer postgres) : IDisposable
{
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Interruptions_leave_max_attempts_alone_and_fail_the_fold_only_past_max_interruptions_with_an_error_naming_it(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var fold = await CreateFoldAsync(store, maxAttempts: 1, maxInterruptions: 2);

        Assert.Equal(FoldStates.Pending, await InterruptAsync(store, fold, 1));
        Assert.Equal(FoldStates.Pending, await InterruptAsync(store, fold, 2));
        Assert.Equal(FoldStates.Failed, await InterruptAsync(store, fold, 3));

        var ended = (await store.FoldAsync(fold))!;
        Assert.Equal((0, 3), (ended.Failures, ended.Interruptions));
        Assert.Contains("more than the sweep's max_interruptions (2)", ended.LastError);
        Assert.Equal(["interrupted", "interrupted", "interrupted"], (await store.AttemptsAsync(fold)).Select(a => a.Outcome));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_failure_counts_toward_max_attempts_whatever_the_interruptions_before_it(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var fold = await CreateFoldAsync(store, maxAttempts: 2, maxInterruptions: 20);

        await InterruptAsync(store, fold, 1);
        Assert.True(await store.StartAttemptAsync(fold, 2, "silo-b"));
        Assert.Equal(FoldStates.Pending, await store.EndAttemptAsync(fold, 2, AttemptEnd.Failed, "OutOfMemoryException: CUDA"));
        Assert.True(await store.StartAttemptAsync(fold, 3, "silo-b"));
        Assert.Equal(FoldStates.Failed, await store.EndAttemptAsync(fold, 3, AttemptEnd.Failed, "OutOfMemoryException: CUDA"));
        Assert.Null(await store.EndAttemptAsync(fold, 3, AttemptEnd.Interrupted, "silo silo-b died during attempt 3"));

        var ended = (await store.FoldAsync(fold))!;
        Assert.Equal((2, 1, "OutOfMemoryException: CUDA"), (ended.Failures, ended.Interruptions, ended.LastError));
        Assert.Equal(["interrupted", "failed", "failed"], (await store.AttemptsAsync(fold)).Select(a => a.Outcome));
        var progress = Assert.Single(await store.ProgressAsync("s"));
        Assert.Equal((1, 1), (progress.Interrupted, progress.Interruptions));
    }

    private static async Task<long> CreateFoldAsync(CoordinationStore store, int maxAttempts, int maxInterruptions)
    {
        Assert.True(await store.CreateSweepAsync(new SweepPlan("s", "s", "name: s", "/", "[]", maxAttempts, maxInterruptions,
            [new PlannedTrial("t", "{}")], ["casme2/sub01"])));
        Assert.Equal(maxInterruptions, (await store.FindSweepAsync("s"))!.MaxInterruptions);
        return Assert.Single(await store.SweepFoldsAsync("s")).Id;
    }

    private static async Task<string?> InterruptAsync(CoordinationStore store, long fold, int attempt)
    {
        Assert.True(await store.StartAttemptAsync(fold, attempt, "silo-a"));
        return await store.EndAttemptAsync(fold, attempt, AttemptEnd.Interrupted, $"silo silo-a died during attempt {attempt}");
    }

    public void Dispose() => _stores.Dispose();
}

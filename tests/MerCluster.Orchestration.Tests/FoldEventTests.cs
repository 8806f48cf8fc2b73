using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace MerCluster.Orchestration.Tests;

/// <summary>The store's fold_events (a fold's story) on both engines, and trial ids, which the events and the API name.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FoldEventTests(PostgresServer postgres) : IDisposable
{
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Events_read_back_in_time_order_whatever_order_they_were_written_and_narrow_to_one_fold(string kind)
    {
        await using var store = await _stores.OpenAsync(kind);
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        FoldEvent Event(long fold, int attempt, string what, long at, string? silo = "silo-a", int? epoch = null, string? message = null) => new()
        {
            SweepId = "s", TrialId = 7, FoldId = fold, Attempt = attempt, Kind = what, Silo = silo, Device = silo is null ? null : "cuda:1",
            Epoch = epoch, Message = message, At = start + at,
        };
        // Written out of order (a checkpoint event is not awaited by the training thread), and one in another sweep.
        await store.AppendFoldEventAsync(Event(1, 1, FoldEventKinds.Checkpoint, 30, epoch: 4, message: "/ckpt/s01.ckpt"));
        await store.AppendFoldEventAsync(Event(1, 1, FoldEventKinds.Placed, 10));
        await store.AppendFoldEventAsync(Event(2, 1, FoldEventKinds.Placed, 10, silo: "silo-b"));
        await store.AppendFoldEventAsync(Event(1, 1, FoldEventKinds.Started, 20));
        await store.AppendFoldEventAsync(Event(1, 1, FoldEventKinds.Interrupted, 40, message: "silo silo-a died during attempt 1"));
        await store.AppendFoldEventAsync(Event(1, 2, FoldEventKinds.Resumed, 50, epoch: 4, silo: null));
        await store.AppendFoldEventAsync(Event(1, 1, FoldEventKinds.Placed, 5) with { SweepId = "other" });

        var all = await store.FoldEventsAsync("s");
        Assert.Equal(["1 placed", "2 placed", "1 started", "1 checkpoint", "1 interrupted", "1 resumed"], all.Select(e => $"{e.FoldId} {e.Kind}"));
        Assert.Equal(all.OrderBy(e => e.At).Select(e => e.At), all.Select(e => e.At));
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct().Count());

        var fold = await store.FoldEventsAsync("s", foldId: 1);
        Assert.Equal([FoldEventKinds.Placed, FoldEventKinds.Started, FoldEventKinds.Checkpoint, FoldEventKinds.Interrupted, FoldEventKinds.Resumed],
            fold.Select(e => e.Kind));
        var checkpoint = fold[2];
        Assert.Equal(("s", 7L, 1, "silo-a", "cuda:1", 4, "/ckpt/s01.ckpt", start + 30),
            (checkpoint.SweepId, checkpoint.TrialId, checkpoint.Attempt, checkpoint.Silo, checkpoint.Device, checkpoint.Epoch, checkpoint.Message, checkpoint.At));
        Assert.Equal((2, (string?)null, (string?)null, 4), (fold[^1].Attempt, fold[^1].Silo, fold[^1].Device, fold[^1].Epoch));
        Assert.Null(fold[0].Epoch);
        Assert.Empty(await store.FoldEventsAsync("s", foldId: 3));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task An_event_the_store_cannot_take_is_dropped_without_failing_its_caller(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        await using var store = await CoordinationStore.OpenAsync(url);
        var events = new FoldEvents(store, NullLogger<FoldEvents>.Instance);
        var attempt = new FoldAttemptKey("s", 7, 1, "casme2/sub01", 1, "silo-a");
        await events.RecordAsync(attempt, FoldEventKinds.Placed, device: "cpu");
        await DropFoldEventsAsync(store);

        await events.RecordAsync(attempt, FoldEventKinds.Started);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.FoldEventsAsync("s"));
    }

    [Fact]
    public async Task Two_sweeps_of_the_same_grid_get_trial_ids_of_their_own_and_keep_the_grid_values_as_labels()
    {
        await using var store = await _stores.OpenAsync("sqlite");
        var ids = new List<IReadOnlyList<TrialRecord>>();
        foreach (var name in new[] { "first", "second" })
        {
            var file = TestFeatures.WriteNoopSweep(_stores.Temp.Path, name, "{name: noop, duration: 0ms}", "grid: {model.duration: [1ms, 2ms]}");
            Assert.True(await store.CreateSweepAsync(SweepSubmitter.Plan(SweepDefinition.Load(file), new FeatureSetCache())));
            ids.Add(await store.TrialsAsync((await store.FindSweepAsync(name))!.Id));
        }

        Assert.Empty(ids[0].Select(t => t.Id).Intersect(ids[1].Select(t => t.Id)));
        Assert.Equal(ids[0].Select(t => (t.Label, t.GridJson)), ids[1].Select(t => (t.Label, t.GridJson)));
        Assert.Equal(2, ids[0].Select(t => t.Label).Distinct().Count());
        Assert.Equal(["duration=1ms", "duration=2ms"], ids[0].Select(t => t.Label));
        Assert.All(ids[0], t => Assert.Contains("model.duration", t.GridJson));
    }

    /// <summary>The table gone from under a running store: what a store that cannot take writes looks like to its callers.</summary>
    private static async Task DropFoldEventsAsync(CoordinationStore store)
    {
        await using var connection = store.Kind == StoreKind.Sqlite
            ? (System.Data.Common.DbConnection)new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + store.Location.ConnectionString)
            : new Npgsql.NpgsqlConnection(store.Location.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE fold_events";
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose() => _stores.Dispose();
}

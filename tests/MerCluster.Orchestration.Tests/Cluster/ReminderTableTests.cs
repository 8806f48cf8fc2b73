using MerCluster.Orchestration.Tests.Support;
using Orleans;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>Orleans' reminder table contract on the store: upsert and etags, removal, per-grain and hash-ring range reads.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReminderTableTests(PostgresServer postgres) : IDisposable
{
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Upsert_read_and_remove_go_by_etag(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.RemindersAsync();
        var grain = GrainId.Create("fold", "sweep-1/samm/006");
        var start = StoreProviders.Now().AddSeconds(30);
        Assert.Null(await table.ReadRow(grain, "restart"));

        var firstEtag = await table.UpsertRow(Reminder(grain, "restart", start, TimeSpan.FromMinutes(1)));
        var read = await table.ReadRow(grain, "restart");
        Assert.NotNull(read);
        Assert.Equal((grain, "restart", start, TimeSpan.FromMinutes(1), firstEtag), (read.GrainId, read.ReminderName, read.StartAt, read.Period, read.ETag));
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);

        var secondEtag = await table.UpsertRow(Reminder(grain, "restart", start.AddMinutes(1), TimeSpan.FromMinutes(5)));
        Assert.NotEqual(firstEtag, secondEtag);
        var replaced = await table.ReadRow(grain, "restart");
        Assert.Equal((start.AddMinutes(1), TimeSpan.FromMinutes(5), secondEtag), (replaced!.StartAt, replaced.Period, replaced.ETag));
        Assert.Single((await table.ReadRows(grain)).Reminders);

        Assert.False(await table.RemoveRow(grain, "restart", firstEtag!));
        Assert.NotNull(await table.ReadRow(grain, "restart"));
        Assert.True(await table.RemoveRow(grain, "restart", secondEtag!));
        Assert.Null(await table.ReadRow(grain, "restart"));
        Assert.False(await table.RemoveRow(grain, "restart", secondEtag!));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Reads_by_grain_return_that_grains_reminders_only(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.RemindersAsync();
        var grain = GrainId.Create("fold", "a");
        var other = GrainId.Create("fold", "b");
        await table.UpsertRow(Reminder(grain, "restart", StoreProviders.Now(), TimeSpan.FromMinutes(1)));
        await table.UpsertRow(Reminder(grain, "checkpoint", StoreProviders.Now(), TimeSpan.FromMinutes(2)));
        await table.UpsertRow(Reminder(other, "restart", StoreProviders.Now(), TimeSpan.FromMinutes(1)));
        var elsewhere = await providers.RemindersAsync(serviceId: "another-service");
        await elsewhere.UpsertRow(Reminder(grain, "foreign", StoreProviders.Now(), TimeSpan.FromMinutes(1)));

        var reminders = (await table.ReadRows(grain)).Reminders;
        Assert.Equal(new[] { "checkpoint", "restart" }, reminders.Select(r => r.ReminderName).Order());
        Assert.All(reminders, r => Assert.Equal(grain, r.GrainId));
        Assert.Empty((await table.ReadRows(GrainId.Create("fold", "none"))).Reminders);

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(grain)).Reminders);
        Assert.Single((await elsewhere.ReadRows(grain)).Reminders);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Range_reads_take_hashes_above_begin_up_to_end_and_wrap_around_the_ring(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.RemindersAsync();
        var grains = Enumerable.Range(0, 12).Select(i => GrainId.Create("fold", $"subject-{i}")).ToList();
        foreach (var grain in grains)
            await table.UpsertRow(Reminder(grain, "restart", StoreProviders.Now(), TimeSpan.FromMinutes(1)));
        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        Assert.Equal(grains.Count, hashes.Distinct().Count());

        async Task<List<uint>> ReadAsync(uint begin, uint end) =>
            (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order().ToList();

        // (hashes[2], hashes[7]]: begin excluded, end included.
        Assert.Equal(hashes[3..8], await ReadAsync(hashes[2], hashes[7]));
        // Wrapping: above hashes[8] to the top, then from 0 up to hashes[1].
        Assert.Equal(hashes[..2].Concat(hashes[9..]).Order(), await ReadAsync(hashes[8], hashes[1]));
        // The extremes of the ring.
        Assert.Equal(hashes, await ReadAsync(0, uint.MaxValue));
        Assert.Equal(hashes[..1], await ReadAsync(uint.MaxValue, hashes[0]));
        // Equal bounds: the whole ring.
        Assert.Equal(hashes, await ReadAsync(hashes[4], hashes[4]));
        // A range just one hash wide holds at most the grain at its end.
        var narrowEnd = hashes[4] + 1;
        Assert.Equal(hashes.Where(h => h == narrowEnd), await ReadAsync(hashes[4], narrowEnd));
    }

    private static ReminderEntry Reminder(GrainId grain, string name, DateTime start, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = start, Period = period };

    public void Dispose() => _stores.Dispose();
}

using MerCluster.Orchestration.Tests.Support;
using Orleans;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>Orleans' membership table contract on the store: table versions and etags, heartbeats, cleanup, clusters apart, gateways.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipTableTests(PostgresServer postgres) : IDisposable
{
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_new_table_is_at_version_0_and_an_insert_with_the_next_version_moves_it_on(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();

        var empty = await table.ReadAll();
        Assert.Equal(0, empty.Version.Version);
        Assert.Empty(empty.Members);

        Assert.True(await table.InsertRow(StoreProviders.Entry(StoreProviders.Silo(11111)), empty.Version.Next()));
        var after = await table.ReadAll();
        Assert.Equal(1, after.Version.Version);
        Assert.NotEqual(empty.Version.VersionEtag, after.Version.VersionEtag);
        Assert.Single(after.Members);

        await table.InitializeMembershipTable(tryInitTableVersion: true);
        Assert.Equal(after.Version, (await table.ReadAll()).Version);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Inserts_and_updates_with_a_stale_table_version_are_rejected_and_change_nothing(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var first = StoreProviders.Entry(StoreProviders.Silo(11111));
        var stale = (await table.ReadAll()).Version;
        Assert.True(await table.InsertRow(first, stale.Next()));
        var current = await table.ReadAll();
        var (_, firstEtag) = current.Members.Single();

        Assert.False(await table.InsertRow(StoreProviders.Entry(StoreProviders.Silo(22222)), stale.Next()));
        first.Status = SiloStatus.ShuttingDown;
        Assert.False(await table.UpdateRow(first, firstEtag, stale.Next()));
        // The current etag with a number that does not follow the stored one is no better.
        Assert.False(await table.InsertRow(StoreProviders.Entry(StoreProviders.Silo(22222)), new TableVersion(5, current.Version.VersionEtag)));

        var after = await table.ReadAll();
        Assert.Equal(current.Version, after.Version);
        var (row, etag) = after.Members.Single();
        Assert.Equal((SiloStatus.Active, firstEtag), (row.Status, etag));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task An_update_with_a_stale_row_etag_is_rejected(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var silo = StoreProviders.Silo(11111);
        var entry = StoreProviders.Entry(silo, SiloStatus.Joining);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var read = await table.ReadRow(silo);
        var (_, readEtag) = read.Members.Single();

        entry.Status = SiloStatus.Active;
        Assert.True(await table.UpdateRow(entry, readEtag, read.Version.Next()));
        var updated = await table.ReadRow(silo);
        var (row, newEtag) = updated.Members.Single();
        Assert.Equal(SiloStatus.Active, row.Status);
        Assert.NotEqual(readEtag, newEtag);
        Assert.Equal(2, updated.Version.Version);

        entry.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRow(entry, readEtag, updated.Version.Next()));
        var after = await table.ReadRow(silo);
        Assert.Equal((SiloStatus.Active, 2), (after.Members.Single().Item1.Status, after.Version.Version));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Inserting_the_same_silo_twice_is_rejected_and_leaves_the_version(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var silo = StoreProviders.Silo(11111);
        Assert.True(await table.InsertRow(StoreProviders.Entry(silo), (await table.ReadAll()).Version.Next()));
        var current = (await table.ReadAll()).Version;

        Assert.False(await table.InsertRow(StoreProviders.Entry(silo, SiloStatus.Joining), current.Next()));

        var after = await table.ReadAll();
        Assert.Equal(current, after.Version);
        Assert.Equal(SiloStatus.Active, after.Members.Single().Item1.Status);
        // A restarted silo on the same endpoint is a new generation, hence a new row.
        Assert.True(await table.InsertRow(StoreProviders.Entry(StoreProviders.Silo(11111, generation: 2)), current.Next()));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task A_heartbeat_changes_only_the_alive_time_and_leaves_the_read_etags_usable(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var silo = StoreProviders.Silo(11111);
        var entry = StoreProviders.Entry(silo, iAmAlive: StoreProviders.Now().AddMinutes(-1));
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadRow(silo);
        var (rowBefore, etagBefore) = before.Members.Single();

        var alive = StoreProviders.Now();
        await table.UpdateIAmAlive(new MembershipEntry { SiloAddress = silo, IAmAliveTime = alive, Status = SiloStatus.Dead, SiloName = "ignored" });

        var after = await table.ReadRow(silo);
        var (rowAfter, etagAfter) = after.Members.Single();
        Assert.Equal(alive, rowAfter.IAmAliveTime);
        Assert.Equal(etagBefore, etagAfter);
        Assert.Equal(before.Version, after.Version);
        AssertSameExceptAliveTime(rowBefore, rowAfter);

        entry.Status = SiloStatus.ShuttingDown;
        Assert.True(await table.UpdateRow(entry, etagBefore, before.Version.Next()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => table.UpdateIAmAlive(StoreProviders.Entry(StoreProviders.Silo(33333))));
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task ReadRow_and_ReadAll_return_every_field_as_written(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var silo = StoreProviders.Silo(11111, generation: 424242);
        var entry = StoreProviders.Entry(silo, SiloStatus.ShuttingDown);
        entry.SuspectTimes =
        [
            Tuple.Create(StoreProviders.Silo(22222, 7), StoreProviders.Now().AddSeconds(-30)),
            Tuple.Create(StoreProviders.Silo(33333, 8), StoreProviders.Now().AddSeconds(-10)),
        ];
        var other = StoreProviders.Entry(StoreProviders.Silo(22222, 7));
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        Assert.True(await table.InsertRow(other, (await table.ReadAll()).Version.Next()));

        var row = await table.ReadRow(silo);
        Assert.Equal(2, row.Version.Version);
        AssertSameEntry(entry, Assert.Single(row.Members).Item1);

        var all = await table.ReadAll();
        Assert.Equal(row.Version, all.Version);
        Assert.Equal(2, all.Members.Count);
        AssertSameEntry(entry, all.Members.Single(m => m.Item1.SiloAddress.Equals(silo)).Item1);
        AssertSameEntry(other, all.Members.Single(m => m.Item1.SiloAddress.Equals(other.SiloAddress)).Item1);

        var unknown = await table.ReadRow(StoreProviders.Silo(44444));
        Assert.Empty(unknown.Members);
        Assert.Equal(row.Version, unknown.Version);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Cleanup_removes_dead_silos_last_seen_before_the_cut_off_and_keeps_the_others(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var longAgo = StoreProviders.Now().AddHours(-2);
        var deadLongAgo = StoreProviders.Entry(StoreProviders.Silo(11111), SiloStatus.Dead, longAgo);
        var deadRecently = StoreProviders.Entry(StoreProviders.Silo(22222), SiloStatus.Dead, StoreProviders.Now());
        var activeLongAgo = StoreProviders.Entry(StoreProviders.Silo(33333), SiloStatus.Active, longAgo);
        var deadButRecentlySuspected = StoreProviders.Entry(StoreProviders.Silo(44444), SiloStatus.Dead, longAgo);
        deadButRecentlySuspected.SuspectTimes = [Tuple.Create(StoreProviders.Silo(22222), StoreProviders.Now())];
        foreach (var entry in new[] { deadLongAgo, deadRecently, activeLongAgo, deadButRecentlySuspected })
        {
            entry.StartTime = longAgo.AddMinutes(-1);
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        }

        await table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddHours(-1));

        var left = (await table.ReadAll()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order().ToList();
        Assert.Equal(new[] { 22222, 33333, 44444 }, left);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Deleting_a_clusters_entries_leaves_other_clusters_untouched(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var doomed = await providers.MembershipAsync("cluster-a");
        var kept = await providers.MembershipAsync("cluster-b");
        Assert.True(await doomed.InsertRow(StoreProviders.Entry(StoreProviders.Silo(11111)), (await doomed.ReadAll()).Version.Next()));
        Assert.True(await kept.InsertRow(StoreProviders.Entry(StoreProviders.Silo(11111)), (await kept.ReadAll()).Version.Next()));
        var keptBefore = await kept.ReadAll();

        await doomed.DeleteMembershipTableEntries("cluster-a");

        Assert.Empty((await doomed.ReadAll()).Members);
        var keptAfter = await kept.ReadAll();
        Assert.Equal(keptBefore.Version, keptAfter.Version);
        Assert.Equal(keptBefore.Members.Single().Item2, keptAfter.Members.Single().Item2);
        await doomed.InitializeMembershipTable(tryInitTableVersion: true);
        Assert.Equal(0, (await doomed.ReadAll()).Version.Version);
    }

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task The_gateway_list_holds_the_proxy_endpoints_of_active_silos_only(string kind)
    {
        await using var providers = new StoreProviders(await _stores.UrlAsync(kind));
        var table = await providers.MembershipAsync();
        var active = StoreProviders.Entry(StoreProviders.Silo(11111, 5));
        var withoutGateway = StoreProviders.Entry(StoreProviders.Silo(22222));
        withoutGateway.ProxyPort = 0;
        var elsewhere = await providers.MembershipAsync("other-cluster");
        Assert.True(await elsewhere.InsertRow(StoreProviders.Entry(StoreProviders.Silo(55555)), (await elsewhere.ReadAll()).Version.Next()));
        foreach (var entry in new[]
        {
            active, withoutGateway, StoreProviders.Entry(StoreProviders.Silo(33333), SiloStatus.Joining),
            StoreProviders.Entry(StoreProviders.Silo(44444), SiloStatus.Dead), StoreProviders.Entry(StoreProviders.Silo(11111, 4), SiloStatus.Dead),
        })
            Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));

        var gateways = providers.Gateways();
        await gateways.InitializeGatewayListProvider();
        var gateway = Assert.Single(await gateways.GetGateways());
        Assert.Equal(new Uri("gwy.tcp://127.0.0.1:21111/5"), gateway);
        Assert.True(gateways.IsUpdatable);
    }

    private static void AssertSameEntry(MembershipEntry expected, MembershipEntry actual)
    {
        Assert.Equal(expected.IAmAliveTime, actual.IAmAliveTime);
        Assert.Equal(DateTimeKind.Utc, actual.IAmAliveTime.Kind);
        AssertSameExceptAliveTime(expected, actual);
    }

    private static void AssertSameExceptAliveTime(MembershipEntry expected, MembershipEntry actual)
    {
        Assert.Equal(expected.SiloAddress, actual.SiloAddress);
        Assert.Equal(expected.SiloAddress.Generation, actual.SiloAddress.Generation);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal((expected.SiloName, expected.HostName, expected.RoleName), (actual.SiloName, actual.HostName, actual.RoleName));
        Assert.Equal((expected.ProxyPort, expected.UpdateZone, expected.FaultZone), (actual.ProxyPort, actual.UpdateZone, actual.FaultZone));
        Assert.Equal(expected.StartTime, actual.StartTime);
        Assert.Equal(DateTimeKind.Utc, actual.StartTime.Kind);
        Assert.Equal(
            (expected.SuspectTimes ?? []).Select(s => (s.Item1, s.Item1.Generation, s.Item2)),
            (actual.SuspectTimes ?? []).Select(s => (s.Item1, s.Item1.Generation, s.Item2)));
    }

    public void Dispose() => _stores.Dispose();
}

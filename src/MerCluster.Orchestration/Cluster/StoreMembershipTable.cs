using System.Net;
using MerCluster.Orchestration.Store;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// Orleans' membership table in the coordination store, for the cluster named by <see cref="ClusterOptions.ClusterId"/>.
/// InsertRow and UpdateRow succeed only when the caller's table version is the stored one moved on by one (same etag,
/// number + 1), and UpdateRow also only when the row's etag is the one the caller read; each is one transaction, so
/// of two silos changing the table at once exactly one wins. Heartbeats touch the alive time alone.
/// </summary>
public sealed class StoreMembershipTable(ClusterStore store, IOptions<ClusterOptions> clusterOptions) : IMembershipTable
{
    /// <summary>The version etag reported for a cluster that has no version row: no stored etag equals it.</summary>
    private const string NoVersionEtag = "";

    private readonly string _clusterId = clusterOptions.Value.ClusterId;

    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken)
    {
        var opened = await store.OpenAsync(cancellationToken);
        if (tryInitTableVersion)
            await opened.InitializeMembershipAsync(_clusterId, cancellationToken);
    }

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).DeleteMembershipAsync(clusterId, cancellationToken);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).DeleteSilosLastSeenBeforeAsync(
            _clusterId, SiloStatus.Dead.ToString(), beforeDate.ToUnixTimeMilliseconds(), cancellationToken);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    public Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken) => ReadAsync(Incarnation(key), cancellationToken);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken) => ReadAsync(null, cancellationToken);

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).InsertSiloAsync(
            _clusterId, ToSilo(entry), tableVersion.Version, tableVersion.VersionEtag, cancellationToken);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) =>
        UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken) =>
        await (await store.OpenAsync(cancellationToken)).UpdateSiloAsync(
            _clusterId, ToSilo(entry), etag, tableVersion.Version, tableVersion.VersionEtag, cancellationToken);

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);

    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        var opened = await store.OpenAsync(cancellationToken);
        if (!await opened.UpdateSiloAliveTimeAsync(_clusterId, Incarnation(entry.SiloAddress), StoreTime.ToUnixMs(entry.IAmAliveTime), cancellationToken))
            throw new InvalidOperationException(
                $"silo {entry.SiloAddress} has no row in the membership table of cluster '{_clusterId}' in the store {store.Location}");
    }

    private async Task<MembershipTableData> ReadAsync(SiloIncarnation? silo, CancellationToken cancellationToken)
    {
        var snapshot = await (await store.OpenAsync(cancellationToken)).ReadMembershipAsync(_clusterId, silo, cancellationToken);
        if (snapshot is null)
            return new MembershipTableData(new TableVersion(0, NoVersionEtag));
        var version = new TableVersion(checked((int)snapshot.Version.Version), snapshot.Version.Etag);
        return new MembershipTableData(snapshot.Silos.Select(s => Tuple.Create(ToEntry(s), s.Etag)).ToList(), version);
    }

    internal static SiloIncarnation Incarnation(SiloAddress silo) =>
        new(silo.Endpoint.Address.ToString(), silo.Endpoint.Port, silo.Generation);

    internal static SiloAddress ToSiloAddress(string address, int port, int generation) =>
        SiloAddress.New(IPAddress.Parse(address), port, generation);

    private static MembershipSilo ToSilo(MembershipEntry entry)
    {
        var silo = Incarnation(entry.SiloAddress);
        return new MembershipSilo
        {
            Address = silo.Address,
            Port = silo.Port,
            Generation = silo.Generation,
            SiloName = entry.SiloName ?? "",
            HostName = entry.HostName ?? "",
            RoleName = entry.RoleName ?? "",
            Status = entry.Status.ToString(),
            ProxyPort = entry.ProxyPort,
            UpdateZone = entry.UpdateZone,
            FaultZone = entry.FaultZone,
            SuspectTimes = (entry.SuspectTimes ?? []).Select(v => new SuspectVote(v.Item1.ToParsableString(), StoreTime.ToUnixMs(v.Item2))).ToList(),
            StartTime = StoreTime.ToUnixMs(entry.StartTime),
            IAmAliveTime = StoreTime.ToUnixMs(entry.IAmAliveTime),
        };
    }

    private static MembershipEntry ToEntry(MembershipSilo silo) => new()
    {
        SiloAddress = ToSiloAddress(silo.Address, silo.Port, silo.Generation),
        SiloName = silo.SiloName,
        HostName = silo.HostName,
        RoleName = silo.RoleName,
        Status = Enum.Parse<SiloStatus>(silo.Status),
        ProxyPort = silo.ProxyPort,
        UpdateZone = silo.UpdateZone,
        FaultZone = silo.FaultZone,
        SuspectTimes = silo.SuspectTimes.Select(v => Tuple.Create(SiloAddress.FromParsableString(v.Silo), StoreTime.FromUnixMs(v.At))).ToList(),
        StartTime = StoreTime.FromUnixMs(silo.StartTime),
        IAmAliveTime = StoreTime.FromUnixMs(silo.IAmAliveTime),
    };
}

using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// Orleans cluster membership: one version row per cluster (version number and etag) and one row per silo
/// incarnation (address, port, generation). Inserting or updating a silo row also moves the cluster's version forward
/// in the same transaction, and only when the caller read the current version: the version row's
/// UPDATE ... WHERE etag = @expected is what makes two silos writing at once unable to both win.
/// </summary>
public sealed partial class CoordinationStore
{
    private const string SiloColumns = """
        address, port, generation, silo_name, host_name, role_name, status, proxy_port, update_zone, fault_zone,
        suspect_times, last_suspect_time, start_time, i_am_alive_time, etag
        """;

    private const string SiloValues = """
        @Address, @Port, @Generation, @SiloName, @HostName, @RoleName, @Status, @ProxyPort, @UpdateZone, @FaultZone,
        @SuspectTimes, @LastSuspectTime, @StartTime, @IAmAliveTime, @Etag
        """;

    private const string SiloKey = "cluster_id = @ClusterId AND address = @Address AND port = @Port AND generation = @Generation";

    /// <summary>Creates the cluster's version row at version 0 unless it exists; returns the version as stored.</summary>
    public Task<MembershipVersion> InitializeMembershipAsync(string clusterId, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                "INSERT INTO membership_versions (cluster_id, version, etag) VALUES (@clusterId, 0, @etag) ON CONFLICT (cluster_id) DO NOTHING",
                new { clusterId, etag = NewEtag() }, transaction);
            return await connection.QuerySingleAsync<MembershipVersion>(
                "SELECT version AS Version, etag AS Etag FROM membership_versions WHERE cluster_id = @clusterId", new { clusterId }, transaction);
        }, cancellationToken);

    /// <summary>
    /// The cluster's version and its silo rows (all of them, or only <paramref name="silo"/>'s), read by one statement so
    /// the rows and the version belong together. Null when the cluster has no version row (never initialised, or deleted).
    /// </summary>
    public Task<MembershipSnapshot?> ReadMembershipAsync(string clusterId, SiloIncarnation? silo = null, CancellationToken cancellationToken = default) =>
        ReadAsync(async connection =>
        {
            var siloFilter = silo is null ? "" : " AND s.address = @Address AND s.port = @Port AND s.generation = @Generation";
            var rows = (await connection.QueryAsync<MembershipJoinRow>($"""
                SELECT v.version AS Version, v.etag AS VersionEtag,
                       s.address AS Address, s.port AS Port, s.generation AS Generation, s.silo_name AS SiloName,
                       s.host_name AS HostName, s.role_name AS RoleName, s.status AS Status, s.proxy_port AS ProxyPort,
                       s.update_zone AS UpdateZone, s.fault_zone AS FaultZone, s.suspect_times AS SuspectTimes,
                       s.start_time AS StartTime, s.i_am_alive_time AS IAmAliveTime, s.etag AS Etag
                FROM membership_versions v LEFT JOIN membership_silos s ON s.cluster_id = v.cluster_id{siloFilter}
                WHERE v.cluster_id = @clusterId
                ORDER BY s.address, s.port, s.generation
                """, new { clusterId, silo?.Address, silo?.Port, silo?.Generation })).ToList();
            if (rows.Count == 0)
                return null;
            var silos = rows.Where(r => r.Address is not null).Select(r => r.ToSilo()).ToList();
            return new MembershipSnapshot(new MembershipVersion { Version = rows[0].Version, Etag = rows[0].VersionEtag }, silos);
        }, cancellationToken);

    /// <summary>
    /// Adds a silo row and sets the cluster's version to <paramref name="newVersion"/>, in one transaction. False, with
    /// nothing written, when the stored version is not <paramref name="newVersion"/> - 1 with etag
    /// <paramref name="expectedVersionEtag"/> (another writer came first) or when the silo already has a row.
    /// </summary>
    public Task<bool> InsertSiloAsync(string clusterId, MembershipSilo silo, long newVersion, string expectedVersionEtag, CancellationToken cancellationToken = default) =>
        WriteIfAsync(async (connection, transaction) =>
        {
            if (!await AdvanceMembershipVersionAsync(connection, transaction, clusterId, newVersion, expectedVersionEtag))
                return false;
            var inserted = await connection.ExecuteAsync($"""
                INSERT INTO membership_silos (cluster_id, {SiloColumns}) VALUES (@ClusterId, {SiloValues})
                ON CONFLICT (cluster_id, address, port, generation) DO NOTHING
                """, SiloParameters(clusterId, silo, NewEtag()), transaction);
            return inserted == 1;
        }, cancellationToken);

    /// <summary>
    /// Replaces a silo row whose etag is <paramref name="expectedEtag"/> and sets the cluster's version to
    /// <paramref name="newVersion"/>, in one transaction. False, with nothing written, when the version check fails
    /// (see <see cref="InsertSiloAsync"/>), the row is missing, or its etag moved on.
    /// </summary>
    public Task<bool> UpdateSiloAsync(string clusterId, MembershipSilo silo, string expectedEtag, long newVersion, string expectedVersionEtag,
        CancellationToken cancellationToken = default) =>
        WriteIfAsync(async (connection, transaction) =>
        {
            if (!await AdvanceMembershipVersionAsync(connection, transaction, clusterId, newVersion, expectedVersionEtag))
                return false;
            var parameters = SiloParameters(clusterId, silo, NewEtag());
            parameters.Add("ExpectedEtag", expectedEtag);
            var updated = await connection.ExecuteAsync($"""
                UPDATE membership_silos SET silo_name = @SiloName, host_name = @HostName, role_name = @RoleName, status = @Status,
                    proxy_port = @ProxyPort, update_zone = @UpdateZone, fault_zone = @FaultZone, suspect_times = @SuspectTimes,
                    last_suspect_time = @LastSuspectTime, start_time = @StartTime, i_am_alive_time = @IAmAliveTime, etag = @Etag
                WHERE {SiloKey} AND etag = @ExpectedEtag
                """, parameters, transaction);
            return updated == 1;
        }, cancellationToken);

    /// <summary>
    /// A silo's heartbeat: sets its alive time and nothing else (row etag and cluster version stay, so a read made
    /// before the heartbeat still guards the next update). False when the silo has no row.
    /// </summary>
    public Task<bool> UpdateSiloAliveTimeAsync(string clusterId, SiloIncarnation silo, long iAmAliveTime, CancellationToken cancellationToken = default) =>
        ReadAsync(async connection => await connection.ExecuteAsync(
            $"UPDATE membership_silos SET i_am_alive_time = @iAmAliveTime WHERE {SiloKey}",
            new { ClusterId = clusterId, silo.Address, silo.Port, silo.Generation, iAmAliveTime }) == 1, cancellationToken);

    /// <summary>
    /// Deletes the silo rows in <paramref name="status"/> whose last sign of life (start, alive time, latest suspicion)
    /// is before <paramref name="before"/>; returns how many went.
    /// </summary>
    public Task<int> DeleteSilosLastSeenBeforeAsync(string clusterId, string status, long before, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            DELETE FROM membership_silos
            WHERE cluster_id = @clusterId AND status = @status
              AND i_am_alive_time < @before AND start_time < @before AND COALESCE(last_suspect_time, start_time) < @before
            """, new { clusterId, status, before }, transaction), cancellationToken);

    /// <summary>Deletes every silo row and the version row of one cluster; other clusters in the store are untouched.</summary>
    public Task<int> DeleteMembershipAsync(string clusterId, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            var silos = await connection.ExecuteAsync("DELETE FROM membership_silos WHERE cluster_id = @clusterId", new { clusterId }, transaction);
            await connection.ExecuteAsync("DELETE FROM membership_versions WHERE cluster_id = @clusterId", new { clusterId }, transaction);
            return silos;
        }, cancellationToken);

    private static async Task<bool> AdvanceMembershipVersionAsync(DbConnection connection, DbTransaction transaction, string clusterId,
        long newVersion, string expectedVersionEtag) =>
        await connection.ExecuteAsync("""
            UPDATE membership_versions SET version = @newVersion, etag = @newEtag
            WHERE cluster_id = @clusterId AND etag = @expectedVersionEtag AND version = @previousVersion
            """, new { clusterId, newVersion, previousVersion = newVersion - 1, expectedVersionEtag, newEtag = NewEtag() }, transaction) == 1;

    private static DynamicParameters SiloParameters(string clusterId, MembershipSilo silo, string etag)
    {
        var parameters = new DynamicParameters(new
        {
            ClusterId = clusterId, silo.Address, silo.Port, silo.Generation, silo.SiloName, silo.HostName, silo.RoleName, silo.Status,
            silo.ProxyPort, silo.UpdateZone, silo.FaultZone, silo.StartTime, silo.IAmAliveTime,
            SuspectTimes = JsonSerializer.Serialize(silo.SuspectTimes),
            LastSuspectTime = silo.SuspectTimes.Count == 0 ? (long?)null : silo.SuspectTimes.Max(s => s.At),
            Etag = etag,
        });
        return parameters;
    }

    private sealed class MembershipJoinRow
    {
        public long Version { get; init; }
        public string VersionEtag { get; init; } = "";
        public string? Address { get; init; }
        public int Port { get; init; }
        public int Generation { get; init; }
        public string SiloName { get; init; } = "";
        public string HostName { get; init; } = "";
        public string RoleName { get; init; } = "";
        public string Status { get; init; } = "";
        public int ProxyPort { get; init; }
        public int UpdateZone { get; init; }
        public int FaultZone { get; init; }
        public string SuspectTimes { get; init; } = "[]";
        public long StartTime { get; init; }
        public long IAmAliveTime { get; init; }
        public string Etag { get; init; } = "";

        public MembershipSilo ToSilo() => new()
        {
            Address = Address!, Port = Port, Generation = Generation, SiloName = SiloName, HostName = HostName, RoleName = RoleName,
            Status = Status, ProxyPort = ProxyPort, UpdateZone = UpdateZone, FaultZone = FaultZone,
            SuspectTimes = JsonSerializer.Deserialize<List<SuspectVote>>(SuspectTimes) ?? [],
            StartTime = StartTime, IAmAliveTime = IAmAliveTime, Etag = Etag,
        };
    }
}

/// <summary>A cluster's membership version: the number Orleans counts up and the etag that guards the next change.</summary>
public sealed record MembershipVersion
{
    public long Version { get; init; }
    public string Etag { get; init; } = "";
}

/// <summary>One silo incarnation: its endpoint and the generation that tells a restarted silo from its predecessor.</summary>
public sealed record SiloIncarnation(string Address, int Port, int Generation);

/// <summary>A vote that <see cref="Silo"/> (an Orleans silo address in its parsable form) cast against a silo at <see cref="At"/> (Unix ms).</summary>
public sealed record SuspectVote(string Silo, long At);

/// <summary>A silo's membership row. Times are Unix milliseconds; <see cref="Etag"/> is the row's, set by the store on every write.</summary>
public sealed record MembershipSilo
{
    public string Address { get; init; } = "";
    public int Port { get; init; }
    public int Generation { get; init; }
    public string SiloName { get; init; } = "";
    public string HostName { get; init; } = "";
    public string RoleName { get; init; } = "";
    public string Status { get; init; } = "";
    public int ProxyPort { get; init; }
    public int UpdateZone { get; init; }
    public int FaultZone { get; init; }
    public IReadOnlyList<SuspectVote> SuspectTimes { get; init; } = [];
    public long StartTime { get; init; }
    public long IAmAliveTime { get; init; }
    public string Etag { get; init; } = "";
}

/// <summary>A cluster's version and silo rows, read together.</summary>
public sealed record MembershipSnapshot(MembershipVersion Version, IReadOnlyList<MembershipSilo> Silos);

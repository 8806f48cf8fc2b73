using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// The cluster's silos as `mer status` and GET /api/silos show them: each silo name once, as its latest incarnation,
/// with Orleans' status for it. A silo that died is Dead as soon as the others vote it out (failure detection, see
/// <see cref="SiloHost.TuneMembership"/>: seconds); one that died with no silo left to notice stays Active in the
/// table, so an Active silo silent for <see cref="SilentAfter"/> is shown as <see cref="Unresponsive"/>. A silo dead
/// for longer than <see cref="SiloHost.DefunctSiloExpiration"/> is left out, as Orleans' cleanup would remove it
/// (every embedded sweep leaves a dead silo of its own).
/// </summary>
public static class ClusterSilos
{
    public const string Unresponsive = "Unresponsive";

    /// <summary>Three missed alive-time writes in a row.</summary>
    public static readonly TimeSpan SilentAfter = 3 * SiloHost.AlivePublishPeriod;

    /// <summary>The silos, by name, as of <paramref name="now"/> (Unix ms).</summary>
    public static async Task<IReadOnlyList<SiloSummary>> ReadAsync(CoordinationStore store, long now, CancellationToken cancellationToken = default) =>
        ((await store.ReadMembershipAsync(ClusterNames.Cluster, cancellationToken: cancellationToken))?.Silos ?? [])
            .GroupBy(s => s.SiloName)
            .Select(g => g.MaxBy(s => (s.StartTime, s.Generation))!)
            .Where(s => s.Status != "Dead" || now - Math.Max(s.IAmAliveTime, s.StartTime) <= SiloHost.DefunctSiloExpiration.TotalMilliseconds)
            .OrderBy(s => s.SiloName, StringComparer.Ordinal)
            .Select(s => new SiloSummary(s.SiloName, s.HostName, $"{s.Address}:{s.Port}",
                s.Status == "Active" && now - s.IAmAliveTime > SilentAfter.TotalMilliseconds ? Unresponsive : s.Status, s.StartTime, s.IAmAliveTime))
            .ToList();
}

/// <summary>A silo as shown to a user: its name, host, endpoint, status, and start and last alive times (Unix ms).</summary>
public sealed record SiloSummary(string Name, string Host, string Endpoint, string Status, long StartedAt, long AliveAt);

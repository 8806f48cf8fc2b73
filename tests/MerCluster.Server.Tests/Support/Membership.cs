using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;

namespace MerCluster.Server.Tests.Support;

/// <summary>The cluster's silos as the store's Orleans membership table lists them, read the way `mer status` does.</summary>
public static class Membership
{
    public static async Task<IReadOnlyList<MembershipSilo>> ReadAsync(string storeUrl)
    {
        await using var store = await CoordinationStore.OpenAsync(storeUrl);
        return (await store.ReadMembershipAsync(ClusterNames.Cluster))?.Silos ?? [];
    }

    /// <summary>
    /// Polls the membership table until <paramref name="accept"/> holds for its rows; fails after <paramref name="timeout"/>
    /// with the rows last read and <paramref name="diagnostics"/> (the silos' output, Slurm's logs).
    /// </summary>
    public static async Task<IReadOnlyList<MembershipSilo>> WaitUntilAsync(string storeUrl, Func<IReadOnlyList<MembershipSilo>, bool> accept,
        TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<MembershipSilo> silos = [];
        while (true)
        {
            silos = await ReadAsync(storeUrl);
            if (accept(silos))
                return silos;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; silos: "
                    + string.Join(", ", silos.Select(s => $"{s.SiloName} {s.Status}")) + $"\n{diagnostics?.Invoke()}");
            await Task.Delay(250);
        }
    }
}

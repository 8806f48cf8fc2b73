using System.Diagnostics;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Workers;

/// <summary>
/// Ends at once the leases of workers of this host whose process is gone (a crashed `mer sweep run` or worker), so a
/// restarted coordinator resumes their folds now instead of after the lease duration. Workers on other hosts are
/// left to lease expiry: only their own host can see whether they live.
/// </summary>
public static class LocalWorkerRecovery
{
    public static async Task<IReadOnlyList<string>> ExpireDeadLocalWorkersAsync(CoordinationStore store, CancellationToken cancellationToken = default)
    {
        var dead = (await store.WorkersAsync(cancellationToken))
            .Where(w => w.State == "running" && w.Host == Environment.MachineName && w.Pid != Environment.ProcessId && !IsAlive(w.Pid))
            .Select(w => w.Name)
            .ToList();
        await store.ExpireLeasesOfAsync(dead, cancellationToken);
        foreach (var name in dead)
            await store.MarkWorkerStoppedAsync(name, cancellationToken);
        return dead;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

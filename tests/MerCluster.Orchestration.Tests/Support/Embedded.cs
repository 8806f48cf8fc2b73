using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>Runs a sweep file on an embedded silo (as `mer sweep run` does) with CPU slots, collecting its log lines.</summary>
public static class Embedded
{
    public static Task<SubmittedSweep> RunAsync(string storeUrl, string file, int slots, string? cache = null, List<string>? log = null,
        CancellationToken stop = default) =>
        EmbeddedSweep.RunAsync(storeUrl, SweepDefinition.Load(file), Enumerable.Repeat("cpu", slots).ToList(),
            cache ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "cache"), null,
            message =>
            {
                if (log is not null)
                    lock (log)
                        log.Add(message);
            }, stop);
}

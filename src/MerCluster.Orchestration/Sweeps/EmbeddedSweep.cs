using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// `mer sweep run` and `mer demo`: one silo hosted in this process on the store (by default the local SQLite file), with
/// one device slot per in-process fold and its artifacts in <c>cacheRoot</c> (or the artifact store <c>artifacts</c>
/// names), running one sweep to its end. Stopping (<paramref name="stopping"/>: Ctrl-C)
/// stops the silo, which gives the running folds back; running the same sweep again resumes it without redoing
/// finished folds.
/// </summary>
public static class EmbeddedSweep
{
    public static async Task<SubmittedSweep> RunAsync(string storeUrl, SweepDefinition definition, IReadOnlyList<string> devices, string cacheRoot,
        Action<SubmittedSweep, SweepStatus>? progress, Action<string>? log, CancellationToken stopping, Action<int, int>? preprocessed = null,
        string? artifacts = null)
    {
        using var host = await SiloHost.StartAsync(new SiloSettings
        {
            StoreUrl = storeUrl,
            Devices = devices,
            CacheRoot = cacheRoot,
            Artifacts = artifacts,
            Embedded = true,
            Log = log,
        }, stopping);
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var plan = SweepSubmitter.Plan(await SweepFeatures.PrepareAsync(grains, definition, log, preprocessed, stopping),
                host.Services.GetRequiredService<FeatureSetCache>());
            var submitted = await SweepSubmitter.SubmitAsync(grains, host.Services.GetRequiredService<CoordinationStore>(), plan);
            await using var follower = await SweepFollower.StartAsync(grains, plan.Id, status => progress?.Invoke(submitted, status));
            await Task.WhenAny(follower.Finished, Task.Delay(Timeout.Infinite, stopping));
            return submitted with { Status = follower.Latest ?? submitted.Status };
        }
        finally
        {
            // A graceful stop deactivates the fold grains, which give their running attempts back.
            await host.StopAsync(CancellationToken.None);
        }
    }
}

using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Cluster;

/// <summary>Where a silo keeps Orleans' membership, grain state and reminders.</summary>
public static class StoreCluster
{
    // Stand-in until the store providers land: one in-process silo only.
    public static void Configure(ISiloBuilder silo, CoordinationStore store)
    {
        silo.AddMemoryGrainStorage(ClusterNames.Storage);
        silo.UseInMemoryReminderService();
    }

    public static void ConfigureClient(IClientBuilder client, CoordinationStore store)
    {
        client.UseLocalhostClustering();
    }
}

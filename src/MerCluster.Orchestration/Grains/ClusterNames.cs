namespace MerCluster.Orchestration.Grains;

/// <summary>The names a MerCluster cluster is configured with.</summary>
public static class ClusterNames
{
    /// <summary>The grain storage every grain's state is kept in (the store's grain-state table).</summary>
    public const string Storage = "store";

    /// <summary>Orleans' cluster and service id: one cluster per store.</summary>
    public const string Cluster = "mercluster";
}

namespace MerCluster.Orchestration.Grains;

/// <summary>The names a MerCluster cluster is configured with.</summary>
public static class ClusterNames
{
    /// <summary>Orleans' cluster and service id: one cluster per store.</summary>
    public const string Cluster = "mercluster";
}

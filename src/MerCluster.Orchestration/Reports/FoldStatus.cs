namespace MerCluster.Orchestration.Reports;

/// <summary>Where a fold of a trial stands, as the report shows it.</summary>
public enum FoldStatus
{
    Pending,
    Done,
    Failed,
}

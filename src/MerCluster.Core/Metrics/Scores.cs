namespace MerCluster.Core.Metrics;

/// <summary>
/// The headline figures of one subset of predictions. <see cref="N"/> is the number of predictions; the scores are null
/// only when the subset is empty (a part with no predictions yet), so an undefined score is never shown as 0.
/// </summary>
public sealed record Scores(double? Uf1, double? Uar, double? Acc, int N)
{
    public static readonly Scores Empty = new(null, null, null, 0);
}

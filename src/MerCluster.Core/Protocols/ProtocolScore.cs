using MerCluster.Core.Metrics;

namespace MerCluster.Core.Protocols;

/// <summary>
/// What a protocol makes of a run's predictions: the pooled metrics (overall and per part), per-fold scores, and how
/// many of the protocol's samples have no prediction (folds not done or failed).
/// </summary>
public sealed record ProtocolScore(PooledMetrics Pooled, IReadOnlyList<FoldScore> Folds, int MissingSamples)
{
    public ConfusionMatrix Overall => Pooled.Overall;

    public IReadOnlyDictionary<string, ConfusionMatrix> Parts => Pooled.Parts;
}

using MerCluster.Core.Metrics;

namespace MerCluster.Core.Protocols;

/// <summary>
/// Scores of one fold's own predictions, for diagnosis only: a fold of one subject often lacks classes, so these are
/// never averaged into the headline figures. <see cref="Scores"/> has n = 0 when the fold has no predictions yet.
/// </summary>
public sealed record FoldScore(string Fold, string Database, Scores Scores);

namespace MerCluster.Core.Metrics;

/// <summary>A held-out sample's prediction as a fold reports it: <see cref="Probabilities"/> in the feature set's class order.</summary>
public sealed record SamplePrediction(string SampleId, string Subject, string Database, string Label, string Predicted, IReadOnlyList<double> Probabilities);

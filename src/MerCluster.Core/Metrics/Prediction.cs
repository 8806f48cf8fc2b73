namespace MerCluster.Core.Metrics;

/// <summary>One held-out sample's outcome: its identity, its true class and the class the model gave it.</summary>
public sealed record Prediction(string SampleId, string Subject, string Database, string Label, string Predicted);

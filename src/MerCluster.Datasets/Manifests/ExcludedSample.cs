namespace MerCluster.Datasets.Manifests;

/// <summary>A sample that is not in the manifest, and why (a missing folder, a dropped emotion, an official exclusion...).</summary>
public sealed record ExcludedSample(string Database, string Sample, string Reason);

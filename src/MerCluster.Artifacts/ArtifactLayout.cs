namespace MerCluster.Artifacts;

/// <summary>
/// Where each kind of artifact lives in a store: <c>features/</c> (the feature cache's arrays, by content key),
/// <c>featuresets/NAME/</c> (stacked feature sets, named by their dataset and pipeline), <c>checkpoints/SWEEP/trial-N/SUBJECT.ckpt</c>
/// (fold checkpoints, replaced as training goes) and <c>reports/SWEEP/</c>.
/// </summary>
public static class ArtifactLayout
{
    public const string Features = "features";
    public const string FeatureSets = "featuresets";
    public const string Checkpoints = "checkpoints";
    public const string Reports = "reports";

    /// <summary>Whether an artifact never changes once written (so a local copy stays right): features and feature sets.</summary>
    public static bool IsImmutable(string name) =>
        name.StartsWith(Features + "/", StringComparison.Ordinal) || name.StartsWith(FeatureSets + "/", StringComparison.Ordinal);

    public static string FeatureSet(string featureSet) => $"{FeatureSets}/{featureSet}";

    public static string Checkpoint(string sweepId, long trialId, string heldOutSubject) =>
        $"{Checkpoints}/{sweepId}/trial-{trialId}/{heldOutSubject.Replace('/', '_')}.ckpt";

    public static string Report(string sweepId, string file) => $"{Reports}/{sweepId}/{file}";
}

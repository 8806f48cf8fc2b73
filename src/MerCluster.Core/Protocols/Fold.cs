namespace MerCluster.Core.Protocols;

/// <summary>
/// One train/test split of a protocol. <see cref="Name"/> identifies it in the store and in reports (for LOSO, the
/// held-out subject id, e.g. <c>casme2/sub01</c>). Rows index the sample list the protocol was built from (the rows
/// of a FeatureSet), so a fold's trainer slices its features with them directly.
/// </summary>
public sealed record Fold(int Index, string Name, string Database, IReadOnlyList<int> TrainRows, IReadOnlyList<int> TestRows);

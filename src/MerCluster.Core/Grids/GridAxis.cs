namespace MerCluster.Core.Grids;

/// <summary>One swept key and the values it takes, in the order the grid lists them.</summary>
public sealed record GridAxis(string Key, IReadOnlyList<GridOverride> Values);

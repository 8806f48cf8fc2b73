namespace MerCluster.Core.Grids;

/// <summary>One swept key and the values it takes, in the order the grid lists them; <see cref="Line"/> is where the key is written (0 when built in code).</summary>
public sealed record GridAxis(string Key, IReadOnlyList<GridOverride> Values, int Line = 0);

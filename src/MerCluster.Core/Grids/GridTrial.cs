namespace MerCluster.Core.Grids;

/// <summary>
/// One point of a grid. <see cref="Index"/> is its place in the expansion order; <see cref="Id"/> depends only on the
/// values it sets (not on the order of the grid's keys or on the other points), so the same point keeps its id when
/// a grid is edited and resubmitted; <see cref="Label"/> is for people: <c>alpha=0.1,weight_decay=0.05</c>.
/// </summary>
public sealed record GridTrial(int Index, string Id, string Label, IReadOnlyList<GridOverride> Overrides);

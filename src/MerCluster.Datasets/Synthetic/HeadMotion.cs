namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// The head's rigid motion over a clip, unrelated to its class: a translation of (<paramref name="DriftX"/>,
/// <paramref name="DriftY"/>) pixels and an in-plane roll of <paramref name="RollDegrees"/> about the face centre, both
/// reached at the offset along a smooth ramp from zero at the onset.
/// </summary>
public sealed record HeadMotion(double DriftX, double DriftY, double RollDegrees)
{
    /// <summary>A still head (the easy twin keeps only the renderer's 0.1 px jitter).</summary>
    public static readonly HeadMotion None = new(0, 0, 0);
}

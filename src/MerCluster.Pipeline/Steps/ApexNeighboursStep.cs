namespace MerCluster.Pipeline.Steps;

/// <summary>
/// The aligned frames just before and just after the apex, [6, size, size] BGR in 0..1 (before: channels 0..2), which
/// FRL-DGT picks at random in place of the apex while training (seed 001, section 3.3: "select a frame before or after
/// the original apex frame randomly"). Both stay inside onset..offset: at either end of the span the apex stands in
/// for the missing neighbour.
/// </summary>
public static class ApexNeighboursStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> face, IReadOnlyList<FrameFile> span, int apexPosition, AlignmentOptions alignment)
    {
        var (before, after) = Positions(apexPosition, span.Count);
        var frames = new[] { AlignStep.Frame(graph, face, span[before], alignment), AlignStep.Frame(graph, face, span[after], alignment) };
        return graph.Node("apex_neighbours", 1, null, frames.Select(f => f.Key), () =>
            Tensors.ToChannelsFirst(frames.Select(f => AlignStep.ToImage(f, "apex_neighbours")).ToList()));
    }

    /// <summary>The positions of the apex's neighbours in a span of <paramref name="frames"/>, clamped to the span.</summary>
    public static (int Before, int After) Positions(int apexPosition, int frames) =>
        (Math.Max(apexPosition - 1, 0), Math.Min(apexPosition + 1, frames - 1));
}

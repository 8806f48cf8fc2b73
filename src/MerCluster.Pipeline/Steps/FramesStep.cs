namespace MerCluster.Pipeline.Steps;

/// <summary>
/// The clip's frames that train a model's self-supervised part: FRL-DGT draws fresh random pairs of them every epoch
/// (seed 001, section 3.1), MFVAN pretrains its teacher on them (seed 002, section 3.1). A fixed number of aligned
/// frames spread evenly over onset..offset, the onset and the offset included, in temporal order, so every clip of a
/// feature set has one shape; a clip shorter than the count repeats frames. [3F, size, size] BGR in 0..1.
/// </summary>
public static class FramesStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> face, IReadOnlyList<FrameFile> span, AlignmentOptions alignment, FramesOptions options)
    {
        var inputs = new[] { face.Key }.Concat(span.Select(f => f.Key)).ToList();
        return graph.Node("frames", 1, new { alignment, options.Count }, inputs, () =>
        {
            var positions = Positions(span.Count, options.Count);
            var used = positions.Distinct().ToList();
            var aligned = AlignStep.Span(face, used.Select(i => span[i]).ToList(), alignment);
            return Tensors.ToChannelsFirst(positions.Select(p => aligned[used.IndexOf(p)]).ToList());
        });
    }

    /// <summary>The positions within a span of <paramref name="frames"/> of <paramref name="count"/> frames spread evenly from the first to the last.</summary>
    public static IReadOnlyList<int> Positions(int frames, int count) =>
        count == 1 ? [0] : Enumerable.Range(0, count).Select(i => (int)Math.Round(i * (frames - 1) / (double)(count - 1))).ToList();
}

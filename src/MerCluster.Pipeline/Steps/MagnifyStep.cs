using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// Eulerian magnification of the aligned onset..offset frames; the onset and apex of the magnified clip feed the flow.
/// Both come from one magnification run (<see cref="Run"/> is shared by the clip's two features).
/// </summary>
public static class MagnifyStep
{
    /// <summary>Frame <paramref name="position"/> (within <paramref name="span"/>) of the magnified clip, [size, size, 3].</summary>
    public static Feature<byte> Frame(FeatureGraph graph, Feature<float> face, IReadOnlyList<FrameFile> span, int position,
        AlignmentOptions alignment, MagnificationOptions magnification, double frameRate, Lazy<Image[]> run)
        => graph.Node("magnified_frame", 1, new { alignment, magnification, frameRate, position },
            [face.Key, .. span.Select(f => f.Key)], () => Tensors.FromImage(run.Value[position]));

    /// <summary>The magnification run itself, to be wrapped in one Lazy per clip.</summary>
    public static Image[] Run(Feature<float> face, IReadOnlyList<FrameFile> span, AlignmentOptions alignment, MagnificationOptions magnification, double frameRate)
    {
        var aligned = AlignStep.Span(face, span, alignment);
        return NativeClock.Time(() => Magnification.Magnify(aligned, frameRate, magnification));
    }
}

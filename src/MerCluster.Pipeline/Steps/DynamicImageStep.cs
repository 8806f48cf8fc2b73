using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>MSMMT's appearance input: approximate rank pooling of the aligned onset..offset frames, [3, size, size] in 0..1.</summary>
public static class DynamicImageStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> face, IReadOnlyList<FrameFile> span, AlignmentOptions alignment, OutputSizeOptions options)
        => graph.Node("dynamic_image", 1, new { alignment, options.Size }, [face.Key, .. span.Select(f => f.Key)], () =>
        {
            var aligned = AlignStep.Span(face, span, alignment);
            var image = NativeClock.Time(() => DynamicImage.Compute(aligned).Resized(options.Size, options.Size));
            return Tensors.ToChannelsFirst(image);
        });
}

using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>FRL-DGT's 9 AU regions of the aligned apex, each resized, stacked as [27, size, size] (region-major BGR) in 0..1.</summary>
public static class AuRegionsStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<byte> apex, Feature<float> landmarks, OutputSizeOptions options)
        => graph.Node("au_regions", 1, options, [apex.Key, landmarks.Key], () =>
        {
            var (image, points) = (Tensors.ToImage(apex.Value, "aligned apex"), Tensors.ToPoints(landmarks.Value));
            var crops = NativeClock.Time(() => AuRegions.Crop(image, points, options.Size));
            return Tensors.ToChannelsFirst(crops);
        });
}

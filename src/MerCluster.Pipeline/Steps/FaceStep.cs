using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>dlib's face box and 68 landmarks on the onset frame, which every frame of the clip is aligned by.</summary>
public static class FaceStep
{
    public const string Name = "face";

    /// <summary>[140]: box (x, y, width, height) then 68 (x, y) landmarks, in the frame's pixels.</summary>
    public static Feature<float> Of(FeatureGraph graph, FaceModel faces, FrameFile onset)
        => graph.Node(Name, 1, null, [onset.Key], () =>
        {
            var image = onset.Read();
            return Tensors.FromFace(NativeClock.Time(() => faces.Detect(image, onset.Path)));
        });
}

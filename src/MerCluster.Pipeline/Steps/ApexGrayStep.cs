using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// The MobileViT-SVM input, [1, size, size] in 0..1: the apex frame in gray, rotated so the eye line is level, cropped
/// square around the onset landmarks and eyes masked. It works on the original frame rather than the aligned crop so
/// the square around the landmarks never reaches past the picture.
/// </summary>
public static class ApexGrayStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> face, FrameFile apex, ApexGrayOptions options)
        => graph.Node("apex_gray", 2, options, [face.Key, apex.Key], () =>
        {
            var (onsetFace, image) = (Tensors.ToFace(face.Value), apex.Read());
            var level = NativeClock.Time(() => Alignment.EyeLevel(image, onsetFace, options.Size, options.MaskEyes));
            return Tensors.ToChannelsFirst(level.Image);
        });
}

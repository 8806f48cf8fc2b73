using System.Drawing;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>The MobileViT-SVM input: the aligned apex in gray, eye line level, cropped square, eyes masked, [1, size, size] in 0..1.</summary>
public static class ApexGrayStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<byte> apex, Feature<float> landmarks, ApexGrayOptions options)
        => graph.Node("apex_gray", 1, options, [apex.Key, landmarks.Key], () =>
        {
            var image = Tensors.ToImage(apex.Value, "aligned apex");
            var face = new Face(RectangleF.Empty, Tensors.ToPoints(landmarks.Value));
            var level = NativeClock.Time(() => Alignment.EyeLevel(image, face, options.Size, options.MaskEyes));
            return Tensors.ToChannelsFirst(level.Image);
        });
}

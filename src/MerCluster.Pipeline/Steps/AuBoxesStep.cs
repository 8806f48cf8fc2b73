using MerCluster.Core.Arrays;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// FRL-DGT's 9 AU boxes from the aligned onset landmarks (the ones <see cref="AuRegionsStep"/> crops at), each
/// (x, y, width, height) as fractions of the aligned face side, as [1, 9, 4]: the model crops its own onset, apex and
/// displacement at them.
/// </summary>
public static class AuBoxesStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> landmarks, AlignmentOptions alignment)
        => graph.Node("au_boxes", 1, alignment, [landmarks.Key], () =>
        {
            var boxes = AuRegions.Boxes(Tensors.ToPoints(landmarks.Value));
            var data = new float[boxes.Length * 4];
            float side = alignment.Size;
            for (var i = 0; i < boxes.Length; i++)
                (data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]) = (boxes[i].X / side, boxes[i].Y / side, boxes[i].Width / side, boxes[i].Height / side);
            return new NdArray<float>([1, boxes.Length, 4], data);
        });
}

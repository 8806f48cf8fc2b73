using MerCluster.Core.Arrays;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// Alignment by the onset frame's inner eye corners: one similarity transform, applied to every frame, so motion
/// between frames is the face's and not the head's.
/// </summary>
public static class AlignStep
{
    /// <summary>One aligned frame, [size, size, 3] BGR.</summary>
    public static Feature<byte> Frame(FeatureGraph graph, Feature<float> face, FrameFile frame, AlignmentOptions options)
        => graph.Node("aligned_frame", 1, options, [face.Key, frame.Key], () =>
        {
            var (onsetFace, image) = (Tensors.ToFace(face.Value), frame.Read());
            var aligned = NativeClock.Time(() => Alignment.AlignClip([image], onsetFace, options.Size));
            return Tensors.FromImage(aligned.Frames[0]);
        });

    /// <summary>The onset landmarks in aligned coordinates, [68, 2].</summary>
    public static Feature<float> Landmarks(FeatureGraph graph, Feature<float> face, FrameFile onset, AlignmentOptions options)
        => graph.Node("aligned_landmarks", 1, options, [face.Key, onset.Key], () =>
        {
            var (onsetFace, image) = (Tensors.ToFace(face.Value), onset.Read());
            return Tensors.FromPoints(NativeClock.Time(() => Alignment.AlignClip([image], onsetFace, options.Size)).Landmarks);
        });

    /// <summary>All <paramref name="frames"/> aligned (not stored: the features computed from them are).</summary>
    public static IReadOnlyList<Image> Span(Feature<float> face, IReadOnlyList<FrameFile> frames, AlignmentOptions options)
    {
        var (onsetFace, images) = (Tensors.ToFace(face.Value), FrameFile.ReadAll(frames));
        return NativeClock.Time(() => Alignment.AlignClip(images, onsetFace, options.Size)).Frames;
    }

    public static Image ToImage(Feature<byte> aligned, string source) => Tensors.ToImage(aligned.Value, source);

    public static NdArray<float> ChannelsFirst(Feature<byte> aligned) => Tensors.ToChannelsFirst(Tensors.ToImage(aligned.Value));
}

using System.Drawing;
using System.Runtime.InteropServices;

namespace MerCluster.Vision;

/// <summary>Aligned frames of one clip and the first frame's landmarks in their coordinates.</summary>
public sealed record AlignedClip(IReadOnlyList<Image> Frames, PointF[] Landmarks);

/// <summary>One aligned face image and its landmarks in its coordinates.</summary>
public sealed record AlignedFace(Image Image, PointF[] Landmarks);

/// <summary>Face alignment as the seeds do it (see mer_vision.h for the canonical geometry).</summary>
public static class Alignment
{
    /// <summary>
    /// Aligns every frame with the one similarity transform that puts the first frame's inner eye corners (landmarks 39, 42)
    /// on <see cref="CanonicalEyeCorners"/>, cropping and resizing to <paramref name="size"/> x <paramref name="size"/>.
    /// Frames of another size than the first are an error naming the frame's file.
    /// </summary>
    public static AlignedClip AlignClip(IReadOnlyList<Image> frames, Face firstFrameFace, int size)
    {
        if (frames.Count == 0)
            throw new ArgumentException("a clip needs at least one frame", nameof(frames));
        var channels = frames[0].Channels;
        var outputs = new Image[frames.Count];
        for (var i = 0; i < outputs.Length; i++)
            outputs[i] = new Image(size, size, channels, source: frames[i].Source);
        var landmarks = new PointF[Face.LandmarkCount];
        using (var input = new PinnedImages(frames))
        using (var output = new PinnedImages(outputs))
        {
            var status = NativeMethods.AlignClip(input.Span, frames.Count, AsFloats(firstFrameFace.Landmarks), size, output.Span, AsFloats(landmarks));
            VisionException.Check(status, $"aligning the clip of {frames[0].Source ?? "in-memory frames"}", frames);
        }
        return new AlignedClip(outputs, landmarks);
    }

    /// <summary>Detects the face on the first frame (an error naming its file when there is none), then <see cref="AlignClip(IReadOnlyList{Image}, Face, int)"/>.</summary>
    public static AlignedClip AlignClip(IReadOnlyList<Image> frames, FaceModel faceModel, int size) =>
        AlignClip(frames, faceModel.Detect(frames[0]), size);

    /// <summary>Where landmarks 39 (image left) and 42 (image right) land in an aligned frame of <paramref name="size"/> x <paramref name="size"/>.</summary>
    public static (PointF RightInnerCorner, PointF LeftInnerCorner) CanonicalEyeCorners(int size)
    {
        Span<float> corners = stackalloc float[4];
        VisionException.Check(NativeMethods.AlignCanonicalEyeCorners(size, corners), "computing the canonical eye corners");
        return (new PointF(corners[0], corners[1]), new PointF(corners[2], corners[3]));
    }

    /// <summary>
    /// The MobileViT-SVM seed's input: gray, eye line rotated level, cropped square around the landmarks, resized to
    /// <paramref name="size"/> (256 in the seed) and, by default, both eyes masked black.
    /// </summary>
    public static AlignedFace EyeLevel(Image image, Face face, int size = 256, bool maskEyes = true)
    {
        var result = new Image(size, size, 1, source: image.Source);
        var landmarks = new PointF[Face.LandmarkCount];
        var status = NativeMethods.AlignEyeLevel(image.Data, image.Height, image.Width, image.Channels, AsFloats(face.Landmarks), size, maskEyes ? 1 : 0, result.Data, AsFloats(landmarks));
        VisionException.Check(status, $"levelling the eyes of {image.Source ?? "an in-memory image"}");
        return new AlignedFace(result, landmarks);
    }

    internal static Span<float> AsFloats(PointF[] points)
    {
        if (points.Length != Face.LandmarkCount)
            throw new ArgumentException($"expected {Face.LandmarkCount} landmarks, got {points.Length}", nameof(points));
        return MemoryMarshal.Cast<PointF, float>(points.AsSpan());
    }
}

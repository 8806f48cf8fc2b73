using System.Drawing;
using System.Runtime.InteropServices;

namespace MerCluster.Vision;

/// <summary>FRL-DGT's 9 AU regions from the 68 landmarks (boxes documented in src/native/vision/au_regions.cpp).</summary>
public static class AuRegions
{
    /// <summary>FRL-DGT's crop size.</summary>
    public const int DefaultSize = 90;

    /// <summary>Region names in output order (left/right = image left/right; the paper's #1, #3 and #5 are split).</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["brow_left", "brow_right", "between_brows", "eye_left", "eye_right", "nose", "mouth_corner_left", "mouth_corner_right", "mouth_chin"];

    public static RectangleF[] Boxes(PointF[] landmarks)
    {
        var boxes = new RectangleF[Names.Count];
        VisionException.Check(NativeMethods.AuBoxes(Alignment.AsFloats(landmarks), MemoryMarshal.Cast<RectangleF, float>(boxes.AsSpan())), "computing the AU regions");
        return boxes;
    }

    /// <summary>Each region of <paramref name="image"/> resized to <paramref name="size"/> x <paramref name="size"/>.</summary>
    public static Image[] Crop(Image image, PointF[] landmarks, int size = DefaultSize)
    {
        var crops = new Image[Names.Count];
        for (var i = 0; i < crops.Length; i++)
            crops[i] = new Image(size, size, image.Channels, source: image.Source);
        using (var output = new PinnedImages(crops))
            VisionException.Check(NativeMethods.AuCrops(image.Data, image.Height, image.Width, image.Channels, Alignment.AsFloats(landmarks), size, output.Span), $"cropping the AU regions of {image.Source ?? "an in-memory image"}");
        return crops;
    }

    /// <summary>Each region of a flow or displacement field resized to <paramref name="size"/> x <paramref name="size"/> (vectors keep their values).</summary>
    public static FlowField[] Crop(FlowField field, PointF[] landmarks, int size = DefaultSize)
    {
        var all = new float[Names.Count * size * size * 2];
        VisionException.Check(NativeMethods.AuCropsFloat(field.Data, field.Height, field.Width, 2, Alignment.AsFloats(landmarks), size, all), "cropping the AU regions of a flow");
        var crops = new FlowField[Names.Count];
        for (var i = 0; i < crops.Length; i++)
            crops[i] = new FlowField(size, size, all.AsSpan(i * size * size * 2, size * size * 2).ToArray());
        return crops;
    }
}

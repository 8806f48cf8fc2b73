using System.Drawing;
using MerCluster.Core.Arrays;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>How vision values are laid out as cached arrays, and the model-ready float layout [C, H, W].</summary>
public static class Tensors
{
    /// <summary>An 8-bit image as [H, W, C] (the pixels are shared, not copied).</summary>
    public static NdArray<byte> FromImage(Image image) => new([image.Height, image.Width, image.Channels], image.Data);

    public static Image ToImage(NdArray<byte> array, string? source = null) => array.Shape is [var h, var w, var c]
        ? new Image(h, w, c, array.Data, source)
        : throw new ArgumentException($"an image array is [H, W, C], got [{string.Join(", ", array.Shape)}]");

    /// <summary>A flow field as [H, W, 2] (u, v interleaved, shared).</summary>
    public static NdArray<float> FromFlow(FlowField flow) => new([flow.Height, flow.Width, 2], flow.Data);

    public static FlowField ToFlow(NdArray<float> array) => array.Shape is [var h, var w, 2]
        ? new FlowField(h, w, array.Data)
        : throw new ArgumentException($"a flow array is [H, W, 2], got [{string.Join(", ", array.Shape)}]");

    /// <summary>A face as 140 floats: box (x, y, width, height) then the 68 landmarks as (x, y).</summary>
    public static NdArray<float> FromFace(Face face)
    {
        var data = new float[4 + 2 * Face.LandmarkCount];
        (data[0], data[1], data[2], data[3]) = (face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height);
        for (var i = 0; i < Face.LandmarkCount; i++)
            (data[4 + 2 * i], data[5 + 2 * i]) = (face.Landmarks[i].X, face.Landmarks[i].Y);
        return new NdArray<float>([data.Length], data);
    }

    public static Face ToFace(NdArray<float> array)
    {
        var d = array.Data;
        var landmarks = new PointF[Face.LandmarkCount];
        for (var i = 0; i < landmarks.Length; i++)
            landmarks[i] = new PointF(d[4 + 2 * i], d[5 + 2 * i]);
        return new Face(new RectangleF(d[0], d[1], d[2], d[3]), landmarks);
    }

    /// <summary>Landmarks as [68, 2].</summary>
    public static NdArray<float> FromPoints(PointF[] points)
    {
        var data = new float[points.Length * 2];
        for (var i = 0; i < points.Length; i++)
            (data[2 * i], data[2 * i + 1]) = (points[i].X, points[i].Y);
        return new NdArray<float>([points.Length, 2], data);
    }

    public static PointF[] ToPoints(NdArray<float> array)
    {
        var points = new PointF[array.Data.Length / 2];
        for (var i = 0; i < points.Length; i++)
            points[i] = new PointF(array.Data[2 * i], array.Data[2 * i + 1]);
        return points;
    }

    /// <summary>Images [H, W, C] bytes -> one float array [sum of C, H, W] scaled to 0..1, channels in the images' order.</summary>
    public static NdArray<float> ToChannelsFirst(IReadOnlyList<Image> images)
    {
        var (h, w) = (images[0].Height, images[0].Width);
        var channels = images.Sum(i => i.Channels);
        var plane = h * w;
        var result = new float[channels * plane];
        var offset = 0;
        foreach (var image in images)
        {
            var c = image.Channels;
            var data = image.Data;
            for (var k = 0; k < c; k++)
            {
                var target = result.AsSpan((offset + k) * plane, plane);
                for (var p = 0; p < plane; p++)
                    target[p] = data[p * c + k] * (1f / 255f);
            }
            offset += c;
        }
        return new NdArray<float>([channels, h, w], result);
    }

    public static NdArray<float> ToChannelsFirst(Image image) => ToChannelsFirst([image]);

    /// <summary>Channels [<paramref name="first"/>, first + <paramref name="channels"/>) of a [C, H, W] array in 0..1, back to an 8-bit image.</summary>
    public static Image FromChannelsFirst(NdArray<float> array, int first, int channels)
    {
        var (h, w) = (array.Shape[1], array.Shape[2]);
        var plane = h * w;
        var image = new Image(h, w, channels);
        for (var k = 0; k < channels; k++)
        {
            var source = array.Data.AsSpan((first + k) * plane, plane);
            for (var p = 0; p < plane; p++)
                image.Data[p * channels + k] = (byte)Math.Clamp(MathF.Round(source[p] * 255f), 0f, 255f);
        }
        return image;
    }
}

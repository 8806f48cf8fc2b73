using System.Drawing;

namespace MerCluster.Vision.Tests;

/// <summary>Test inputs with a known motion or geometry.</summary>
internal static class Synthetic
{
    /// <summary>The portrait rotated by <paramref name="degrees"/> about its centre, then shifted by (<paramref name="dx"/>, <paramref name="dy"/>).</summary>
    public static Image RotatedPortrait(double degrees, float dx, float dy)
    {
        var portrait = Shared.Portrait;
        var field = new FlowField(portrait.Height, portrait.Width);
        var (sin, cos) = Math.SinCos(degrees * Math.PI / 180);
        float cx = portrait.Width / 2f, cy = portrait.Height / 2f;
        for (var y = 0; y < portrait.Height; y++)
        for (var x = 0; x < portrait.Width; x++)
        {
            // Output pixel p shows source point R^-1 (p - c - t) + c.
            double px = x - cx - dx, py = y - cy - dy;
            var sx = cos * px + sin * py + cx;
            var sy = -sin * px + cos * py + cy;
            field.Data[2 * (y * portrait.Width + x)] = (float)(sx - x);
            field.Data[2 * (y * portrait.Width + x) + 1] = (float)(sy - y);
        }
        return Warp.Remap(portrait, field).WithSource("rotated portrait");
    }

    /// <summary>A 224x224 crop of the portrait around the face.</summary>
    public static Image FaceCrop() => Shared.Portrait.Crop(110, 20, 224, 224);

    public static float Distance(PointF a, PointF b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    /// <summary>Gray frames of two crossed gratings (period 16 px) whose vertical stripes move right by <paramref name="shift"/>(t) pixels.</summary>
    public static Image[] MovingGrating(int size, int frames, Func<int, double> shift)
    {
        var clip = new Image[frames];
        for (var t = 0; t < frames; t++)
        {
            var image = new Image(size, size, 1, source: $"grating/frame{t}.png");
            for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var value = 128 + 50 * Math.Sin(2 * Math.PI * (x - shift(t)) / 16) + 50 * Math.Sin(2 * Math.PI * y / 16);
                image.Data[y * size + x] = (byte)Math.Round(value);
            }
            clip[t] = image;
        }
        return clip;
    }
}

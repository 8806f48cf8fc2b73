using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>The generator's per-pixel arithmetic on 8-bit BGR images, in managed code (cheap at 240 x 240).</summary>
internal static class Pixels
{
    /// <summary>The square <paramref name="side"/> at (<paramref name="left"/>, <paramref name="top"/>) resampled to
    /// <paramref name="size"/>², each output pixel the mean of 4x4 bilinear samples over its footprint (no aliasing when shrinking).</summary>
    public static Image Resample(Image source, float left, float top, float side, int size)
    {
        const int taps = 4;
        var step = side / size;
        var result = new Image(size, size, source.Channels);
        var sum = new float[source.Channels];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                Array.Clear(sum);
                for (var sy = 0; sy < taps; sy++)
                    for (var sx = 0; sx < taps; sx++)
                        Bilinear(source, left + (x + (sx + 0.5f) / taps) * step - 0.5f, top + (y + (sy + 0.5f) / taps) * step - 0.5f, sum);
                for (var c = 0; c < source.Channels; c++)
                    result.Data[(y * size + x) * source.Channels + c] = ToByte(sum[c] / (taps * taps));
            }
        return result;
    }

    /// <summary>Multiplies each pixel by a per-channel gain (skin tone) times a planar lighting term
    /// brightness * (1 + gradientX * (x - W/2) / W + gradientY * (y - H/2) / H).</summary>
    public static void Tone(Image image, ReadOnlySpan<float> channelGains, float brightness, float gradientX, float gradientY)
    {
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
            {
                var light = brightness * (1 + gradientX * (x - image.Width / 2f) / image.Width + gradientY * (y - image.Height / 2f) / image.Height);
                var i = (y * image.Width + x) * image.Channels;
                for (var c = 0; c < image.Channels; c++)
                    image.Data[i + c] = ToByte(image.Data[i + c] * channelGains[c] * light);
            }
    }

    /// <summary>Adds zero-mean Gaussian sensor noise of <paramref name="sigma"/> grey levels to every sample.</summary>
    public static void AddNoise(Image image, double sigma, Random rng)
    {
        // Standard normals drawn from a fixed table by random index: a third of the cost of Box-Muller per sample,
        // and still one independent draw per sample of every frame.
        var data = image.Data;
        var scale = (float)sigma;
        for (var i = 0; i < data.Length; i++)
            data[i] = ToByte(data[i] + scale * StandardNormals[rng.Next(StandardNormals.Length)]);
    }

    private static readonly float[] StandardNormals = MakeStandardNormals(1 << 16);

    private static float[] MakeStandardNormals(int count)
    {
        var rng = new Random(20140508);
        var values = new float[count];
        for (var i = 0; i < count; i += 2)
        {
            var radius = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble()));
            var angle = 2 * Math.PI * rng.NextDouble();
            values[i] = (float)(radius * Math.Cos(angle));
            values[i + 1] = (float)(radius * Math.Sin(angle));
        }
        return values;
    }

    private static void Bilinear(Image image, float x, float y, Span<float> into)
    {
        x = Math.Clamp(x, 0, image.Width - 1);
        y = Math.Clamp(y, 0, image.Height - 1);
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, image.Width - 1);
        var y1 = Math.Min(y0 + 1, image.Height - 1);
        var fx = x - x0;
        var fy = y - y0;
        for (var c = 0; c < image.Channels; c++)
        {
            var top = image[y0, x0, c] * (1 - fx) + image[y0, x1, c] * fx;
            var bottom = image[y1, x0, c] * (1 - fx) + image[y1, x1, c] * fx;
            into[c] += top * (1 - fy) + bottom * fy;
        }
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value), 0, 255);
}

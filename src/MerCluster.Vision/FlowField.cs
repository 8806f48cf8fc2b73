namespace MerCluster.Vision;

/// <summary>A dense displacement field in pixels: row-major, interleaved (u, v) per pixel, u to the right and v down.</summary>
public sealed class FlowField
{
    public FlowField(int height, int width, float[]? data = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"flow size must be positive, got {height}x{width}");
        var length = checked(height * width * 2);
        if (data is not null && data.Length != length)
            throw new ArgumentException($"a {height}x{width} flow needs {length} floats, got {data.Length}", nameof(data));
        Height = height;
        Width = width;
        Data = data ?? new float[length];
    }

    public int Height { get; }
    public int Width { get; }
    public float[] Data { get; }

    public float U(int y, int x) => Data[(y * Width + x) * 2];
    public float V(int y, int x) => Data[(y * Width + x) * 2 + 1];

    /// <summary>The horizontal component alone.</summary>
    public ScalarField HorizontalComponent() => Component(0);

    /// <summary>The vertical component alone.</summary>
    public ScalarField VerticalComponent() => Component(1);

    private ScalarField Component(int offset)
    {
        var result = new ScalarField(Height, Width);
        for (var i = 0; i < result.Data.Length; i++)
            result.Data[i] = Data[2 * i + offset];
        return result;
    }

    /// <summary>
    /// Resized to <paramref name="height"/> x <paramref name="width"/> (area averaging when shrinking, else bilinear).
    /// The vectors keep their values in pixels of the original resolution, as STSTNet's 28x28 inputs do.
    /// </summary>
    public FlowField Resized(int height, int width)
    {
        var result = new FlowField(height, width);
        VisionException.Check(NativeMethods.FloatResize(Data, Height, Width, 2, result.Data, height, width), $"resizing a {Width}x{Height} flow");
        return result;
    }

    /// <summary>A field with the same displacement (<paramref name="u"/>, <paramref name="v"/>) everywhere.</summary>
    public static FlowField Uniform(int height, int width, float u, float v)
    {
        var field = new FlowField(height, width);
        for (var i = 0; i < field.Data.Length; i += 2)
        {
            field.Data[i] = u;
            field.Data[i + 1] = v;
        }
        return field;
    }
}

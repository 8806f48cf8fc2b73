namespace MerCluster.Vision;

/// <summary>One float per pixel, row-major (optical strain, a single flow component...).</summary>
public sealed class ScalarField
{
    public ScalarField(int height, int width, float[]? data = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"field size must be positive, got {height}x{width}");
        var length = checked(height * width);
        if (data is not null && data.Length != length)
            throw new ArgumentException($"a {height}x{width} field needs {length} floats, got {data.Length}", nameof(data));
        Height = height;
        Width = width;
        Data = data ?? new float[length];
    }

    public int Height { get; }
    public int Width { get; }
    public float[] Data { get; }

    public float this[int y, int x] => Data[y * Width + x];

    /// <summary>Resized to <paramref name="height"/> x <paramref name="width"/> (area averaging when shrinking, else bilinear).</summary>
    public ScalarField Resized(int height, int width)
    {
        var result = new ScalarField(height, width);
        VisionException.Check(NativeMethods.FloatResize(Data, Height, Width, 1, result.Data, height, width), $"resizing a {Width}x{Height} field");
        return result;
    }
}

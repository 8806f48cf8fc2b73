namespace MerCluster.Vision;

/// <summary>An 8-bit image in managed memory: row-major, interleaved channels (1 = gray, 3 = BGR), no row padding.</summary>
public sealed class Image
{
    [ThreadStatic] private static int t_lastReadBytes;

    public Image(int height, int width, int channels, byte[]? data = null, string? source = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), $"channels must be 1 (gray) or 3 (BGR), got {channels}");
        var length = checked(height * width * channels);
        if (data is not null && data.Length != length)
            throw new ArgumentException($"{height}x{width}x{channels} needs {length} bytes, got {data.Length}", nameof(data));
        Height = height;
        Width = width;
        Channels = channels;
        Data = data ?? new byte[length];
        Source = source;
    }

    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    public byte[] Data { get; }

    /// <summary>The file this image was read from, if any: errors about it name this path.</summary>
    public string? Source { get; }

    public bool SameShape(Image other) => Height == other.Height && Width == other.Width && Channels == other.Channels;

    public byte this[int y, int x, int channel = 0] => Data[(y * Width + x) * Channels + channel];

    /// <summary>Decodes <paramref name="path"/> (png, jpg, bmp...); a missing or undecodable file is a <see cref="VisionException"/> naming it.</summary>
    public static Image Read(string path, ImageColor color = ImageColor.AsStored)
    {
        // Frames of a clip share one size, so a buffer the size of the last read usually fits and the file is decoded once.
        var buffer = new byte[t_lastReadBytes];
        var status = NativeMethods.ImageRead(path, (int)color, buffer, buffer.Length, out var height, out var width, out var channels);
        VisionException.Check(status, "reading image");
        var length = height * width * channels;
        t_lastReadBytes = length;
        if (length > buffer.Length)
        {
            buffer = new byte[length];
            VisionException.Check(NativeMethods.ImageRead(path, (int)color, buffer, buffer.Length, out height, out width, out channels), "reading image");
        }
        else if (length < buffer.Length)
        {
            buffer = buffer.AsSpan(0, length).ToArray();
        }
        return new Image(height, width, channels, buffer, path);
    }

    /// <summary>Encodes by the extension of <paramref name="path"/> (.png, .jpg, .jpeg, .bmp).</summary>
    public void Write(string path) =>
        VisionException.Check(NativeMethods.ImageWrite(path, Data, Height, Width, Channels), "writing image");

    /// <summary>The <paramref name="width"/> x <paramref name="height"/> region whose top-left pixel is (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public Image Crop(int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > Width || y + height > Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"crop {width}x{height} at ({x}, {y}) is outside the {Width}x{Height} image {Source}");
        var result = new Image(height, width, Channels, source: Source);
        var rowBytes = width * Channels;
        for (var row = 0; row < height; row++)
            Buffer.BlockCopy(Data, ((y + row) * Width + x) * Channels, result.Data, row * rowBytes, rowBytes);
        return result;
    }

    /// <summary>Resized to <paramref name="height"/> x <paramref name="width"/> (area averaging when shrinking, else bilinear).</summary>
    public Image Resized(int height, int width)
    {
        var result = new Image(height, width, Channels, source: Source);
        VisionException.Check(NativeMethods.ImageResize(Data, Height, Width, Channels, result.Data, height, width), $"resizing {Source ?? "an image"}");
        return result;
    }

    /// <summary>A gray version (this image itself when it is gray already).</summary>
    public Image ToGray()
    {
        if (Channels == 1)
            return this;
        var result = new Image(Height, Width, 1, source: Source);
        VisionException.Check(NativeMethods.ImageToGray(Data, Height, Width, result.Data), $"converting {Source ?? "an image"} to gray");
        return result;
    }

    /// <summary>The same pixels (shared, not copied) under another source name.</summary>
    public Image WithSource(string? source) => new(Height, Width, Channels, Data, source);
}

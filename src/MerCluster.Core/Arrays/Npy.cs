using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace MerCluster.Core.Arrays;

/// <summary>An n-dimensional array in C order: a shape and a flat element buffer.</summary>
public sealed record NdArray<T>(int[] Shape, T[] Data) where T : unmanaged
{
    public long Length => Data.LongLength;

    public static NdArray<T> Zeros(params int[] shape) => new(shape, new T[ElementCount(shape)]);

    public static long ElementCount(IReadOnlyList<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
            n *= d;
        return n;
    }
}

/// <summary>
/// The NumPy .npy format (version 1.0, little-endian, C order) so users open every cached feature with numpy.load.
/// Element types: float32, float64, uint8, int32, int64.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write<T>(Stream stream, NdArray<T> array) where T : unmanaged
    {
        if (NdArray<T>.ElementCount(array.Shape) != array.Data.LongLength)
            throw new ArgumentException($"shape ({string.Join(", ", array.Shape)}) does not hold {array.Data.LongLength} elements");
        var shape = array.Shape.Length == 1 ? $"({array.Shape[0]},)" : $"({string.Join(", ", array.Shape)})";
        var dict = $"{{'descr': '{Descr<T>()}', 'fortran_order': False, 'shape': {shape}, }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces so the data starts on a 64-byte boundary.
        var total = 10 + dict.Length + 1;
        var padded = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, checked((ushort)padded.Length));
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(padded));
        stream.Write(MemoryMarshal.AsBytes(array.Data.AsSpan()));
    }

    public static void Write<T>(string path, NdArray<T> array) where T : unmanaged
    {
        using var stream = File.Create(path);
        Write(stream, array);
    }

    /// <summary>Reads an array of element type <typeparamref name="T"/>; a wrong type, a malformed header or a short file is an error naming <paramref name="source"/>.</summary>
    public static NdArray<T> Read<T>(Stream stream, string source = "stream") where T : unmanaged
    {
        Span<byte> head = stackalloc byte[10];
        stream.ReadExactly(head);
        if (!head[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: not a .npy file (bad magic)");
        int headerLength;
        if (head[6] == 1)
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(head[8..10]);
        else
        {
            Span<byte> rest = stackalloc byte[2];
            stream.ReadExactly(rest);
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian([head[8], head[9], rest[0], rest[1]]);
        }
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var text = Encoding.ASCII.GetString(header);
        var descr = DescrPattern().Match(text);
        var shapeMatch = ShapePattern().Match(text);
        if (!descr.Success || !shapeMatch.Success)
            throw new InvalidDataException($"{source}: malformed .npy header '{text.Trim()}'");
        if (text.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{source}: Fortran-ordered arrays are not supported");
        if (descr.Groups[1].Value != Descr<T>())
            throw new InvalidDataException($"{source}: element type {descr.Groups[1].Value}, expected {Descr<T>()}");
        var shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var data = new T[NdArray<T>.ElementCount(shape)];
        try
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{source}: truncated .npy data (shape ({string.Join(", ", shape)}))");
        }
        return new NdArray<T>(shape, data);
    }

    public static NdArray<T> Read<T>(string path) where T : unmanaged
    {
        using var stream = File.OpenRead(path);
        return Read<T>(stream, path);
    }

    private static string Descr<T>() where T : unmanaged => typeof(T) switch
    {
        var t when t == typeof(float) => "<f4",
        var t when t == typeof(double) => "<f8",
        var t when t == typeof(byte) => "|u1",
        var t when t == typeof(int) => "<i4",
        var t when t == typeof(long) => "<i8",
        var t => throw new NotSupportedException($".npy element type {t.Name} is not supported"),
    };

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

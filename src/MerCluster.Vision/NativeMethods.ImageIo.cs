using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_image_read", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ImageRead(string path, int channels, Span<byte> output, long capacity, out int height, out int width, out int outChannels);

    [LibraryImport(Library, EntryPoint = "mer_image_write", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ImageWrite(string path, ReadOnlySpan<byte> image, int height, int width, int channels);
}

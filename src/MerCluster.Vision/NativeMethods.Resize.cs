using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_image_resize")]
    internal static partial int ImageResize(ReadOnlySpan<byte> image, int height, int width, int channels, Span<byte> output, int outHeight, int outWidth);

    [LibraryImport(Library, EntryPoint = "mer_float_resize")]
    internal static partial int FloatResize(ReadOnlySpan<float> data, int height, int width, int channels, Span<float> output, int outHeight, int outWidth);

    [LibraryImport(Library, EntryPoint = "mer_image_to_gray")]
    internal static partial int ImageToGray(ReadOnlySpan<byte> image, int height, int width, Span<byte> gray);
}

using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_au_boxes")]
    internal static partial int AuBoxes(ReadOnlySpan<float> landmarks, Span<float> boxes);

    [LibraryImport(Library, EntryPoint = "mer_au_crops")]
    internal static partial int AuCrops(ReadOnlySpan<byte> image, int height, int width, int channels, ReadOnlySpan<float> landmarks, int size, ReadOnlySpan<NativeImage> output);

    [LibraryImport(Library, EntryPoint = "mer_au_crops_float")]
    internal static partial int AuCropsFloat(ReadOnlySpan<float> data, int height, int width, int channels, ReadOnlySpan<float> landmarks, int size, Span<float> output);
}

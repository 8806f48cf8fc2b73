using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_warp_remap")]
    internal static partial int WarpRemap(ReadOnlySpan<byte> image, int height, int width, int channels, ReadOnlySpan<float> displacement, Span<byte> output);
}

using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_rank_pooling_coefficients")]
    internal static partial int RankPoolingCoefficients(int count, Span<double> coefficients);

    [LibraryImport(Library, EntryPoint = "mer_dynamic_image")]
    internal static partial int DynamicImage(ReadOnlySpan<NativeImage> frames, int count, Span<byte> output);
}

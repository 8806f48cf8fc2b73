using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "mer_optical_strain")]
    internal static partial int OpticalStrain(ReadOnlySpan<float> flow, int height, int width, Span<float> strain);

    [LibraryImport(Library, EntryPoint = "mer_flow_color")]
    internal static partial int FlowColor(ReadOnlySpan<float> flow, int height, int width, Span<byte> bgr);

    [LibraryImport(Library, EntryPoint = "mer_flow_color_wheel")]
    internal static partial int FlowColorWheel(Span<byte> rgb, int capacityHues, out int hues);
}

using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct MagnifyParams
    {
        public double Alpha, LowHz, HighHz, Fps, LambdaC, ChromaAttenuation;
        public int Levels, Filter;
    }

    [LibraryImport(Library, EntryPoint = "mer_magnify")]
    internal static partial int Magnify(ReadOnlySpan<NativeImage> frames, int count, in MagnifyParams parameters, ReadOnlySpan<NativeImage> output);
}

using System.Runtime.InteropServices;

namespace MerCluster.Vision;

internal static partial class NativeMethods
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct TvL1Params
    {
        public double Tau, Lambda, Theta, Epsilon, ScaleStep;
        public int Scales, Warps, InnerIterations, OuterIterations, MedianFiltering;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct FarnebackParams
    {
        public double PyramidScale, PolySigma;
        public int Levels, WindowSize, Iterations, PolyN;
    }

    [LibraryImport(Library, EntryPoint = "mer_flow_tvl1")]
    internal static partial int FlowTvL1(ReadOnlySpan<NativeImage> frames, in TvL1Params parameters, Span<float> flow);

    [LibraryImport(Library, EntryPoint = "mer_flow_farneback")]
    internal static partial int FlowFarneback(ReadOnlySpan<NativeImage> frames, in FarnebackParams parameters, Span<float> flow);
}

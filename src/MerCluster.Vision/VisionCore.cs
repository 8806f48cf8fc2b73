using System.Runtime.InteropServices;

namespace MerCluster.Vision;

/// <summary>Process-wide settings and facts of the native vision library.</summary>
public static class VisionCore
{
    public static string Version => Marshal.PtrToStringUTF8(NativeMethods.Version()) ?? "";

    /// <summary>OpenCV's worker-thread count for the whole process.</summary>
    public static void SetThreads(int threads) => VisionException.Check(NativeMethods.SetThreads(threads), $"setting {threads} vision threads");
}

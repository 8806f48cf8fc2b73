using System.Runtime.InteropServices;

namespace MerCluster.Training;

/// <summary>Facts of the native training library.</summary>
public static class TrainingCore
{
    public static string Version => Marshal.PtrToStringUTF8(NativeMethods.Version()) ?? "";
}

using System.Runtime.InteropServices;

namespace MerCluster.Vision;

/// <summary>Status codes of mer_vision.h.</summary>
public enum VisionStatus
{
    Ok = 0,
    Argument = 1,
    Io = 2,
    NoFace = 3,
    Internal = 4,
}

/// <summary>A failed native vision call: what was being done, on which input, and the native message.</summary>
public sealed class VisionException(VisionStatus status, string message) : Exception(message)
{
    public VisionStatus Status { get; } = status;

    /// <summary>Throws when <paramref name="status"/> is not OK, prefixing the native message with <paramref name="context"/> (the file, sample or step).</summary>
    internal static void Check(int status, string context)
    {
        if (status == 0)
            return;
        var native = Marshal.PtrToStringUTF8(NativeMethods.LastError()) ?? "";
        throw new VisionException((VisionStatus)status, $"{context}: {native}");
    }

    /// <summary>As <see cref="Check(int, string)"/> for a call over a clip: an error about one frame also names that frame's file.</summary>
    internal static void Check(int status, string context, IReadOnlyList<Image> frames)
    {
        if (status == 0)
            return;
        var frame = NativeMethods.LastErrorFrame();
        if (frame >= 0 && frame < frames.Count && frames[frame].Source is { } source)
            context = $"{context}, frame {frame} ({source})";
        Check(status, context);
    }
}

using System.Runtime.InteropServices;

namespace MerCluster.Training;

/// <summary>Status codes of mer_train.h.</summary>
public enum TrainingStatus
{
    Ok = 0,
    Argument = 1,
    Io = 2,
    Cancelled = 3,
    Internal = 4,
}

/// <summary>A failed native training call: what was being done (model, fold, key) and the native message.</summary>
public sealed class TrainingException(TrainingStatus status, string message) : Exception(message)
{
    public TrainingStatus Status { get; } = status;

    internal static void Check(int status, string context)
    {
        if (status == 0)
            return;
        var native = Marshal.PtrToStringUTF8(NativeMethods.LastError()) ?? "";
        throw new TrainingException((TrainingStatus)status, $"{context}: {native}");
    }
}

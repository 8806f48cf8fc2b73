using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MerCluster.Core.Native;

namespace MerCluster.Training;

/// <summary>The C ABI of src/native/include/mer_train.h, one import per function.</summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "mer_train";

    // A module initializer, so the resolver is in place before the first P/Invoke from any entry point (CLI, tests, workers).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() => NativeLibraryLocator.Register(typeof(NativeMethods).Assembly, Library);

    [StructLayout(LayoutKind.Sequential)]
    internal struct Input
    {
        public float* Data;
        public long N, Channels, Height, Width;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Progress
    {
        public int Epoch, Epochs, Step, Steps, EpochDone;
        public double Loss, SamplesPerSecond;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Bench
    {
        public double TrainerSeconds, RawSeconds;
        public long Steps;
        public int Threads;
    }

    [LibraryImport(Library, EntryPoint = "mer_train_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "mer_train_version")]
    internal static partial IntPtr Version();

    [LibraryImport(Library, EntryPoint = "mer_train_models")]
    internal static partial int Models(byte* buffer, long capacity, out long length);

    [LibraryImport(Library, EntryPoint = "mer_trainer_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Create(string model, string modelConfigJson, string trainConfigJson, out TrainerHandle trainer);

    [LibraryImport(Library, EntryPoint = "mer_trainer_load", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Load(string path, string? trainOverridesJson, out TrainerHandle trainer);

    [LibraryImport(Library, EntryPoint = "mer_trainer_destroy")]
    internal static partial void Destroy(IntPtr trainer);

    [LibraryImport(Library, EntryPoint = "mer_trainer_describe")]
    internal static partial int Describe(TrainerHandle trainer, byte* buffer, long capacity, out long length);

    [LibraryImport(Library, EntryPoint = "mer_trainer_epoch")]
    internal static partial int Epoch(TrainerHandle trainer, out int epoch);

    [LibraryImport(Library, EntryPoint = "mer_trainer_fit", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Fit(TrainerHandle trainer, Input* inputs, int inputCount, long* labels, float* weights,
        string? checkpointPath, delegate* unmanaged<Progress*, IntPtr, int> progress, IntPtr user);

    [LibraryImport(Library, EntryPoint = "mer_trainer_predict")]
    internal static partial int Predict(TrainerHandle trainer, Input* inputs, int inputCount, float* output, long capacity);

    [LibraryImport(Library, EntryPoint = "mer_trainer_features")]
    internal static partial int Features(TrainerHandle trainer, Input* inputs, int inputCount, float* output, long capacity);

    [LibraryImport(Library, EntryPoint = "mer_trainer_save", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Save(TrainerHandle trainer, string path);

    [LibraryImport(Library, EntryPoint = "mer_trainer_benchmark")]
    internal static partial int Benchmark(TrainerHandle trainer, Input* inputs, int inputCount, long* labels, int repeats, out Bench result);
}

/// <summary>Owns one native mer_trainer; released exactly once, even when the wrapper is never disposed.</summary>
internal sealed class TrainerHandle : SafeHandle
{
    public TrainerHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.Destroy(handle);
        return true;
    }
}

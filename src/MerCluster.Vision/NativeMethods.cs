using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MerCluster.Core.Native;

namespace MerCluster.Vision;

/// <summary>The C ABI of src/native/include/mer_vision.h, one import per function (one partial file per native source).</summary>
internal static partial class NativeMethods
{
    internal const string Library = "mer_vision";

    // A module initializer, so the resolver is in place before the first P/Invoke from any entry point (CLI, tests, workers).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() => NativeLibraryLocator.Register(typeof(NativeMethods).Assembly, Library);

    [LibraryImport(Library, EntryPoint = "mer_vision_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "mer_vision_last_error_frame")]
    internal static partial int LastErrorFrame();

    [LibraryImport(Library, EntryPoint = "mer_vision_version")]
    internal static partial IntPtr Version();

    [LibraryImport(Library, EntryPoint = "mer_vision_set_threads")]
    internal static partial int SetThreads(int n);
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MerCluster.Core.Native;

namespace MerCluster.Training;

/// <summary>The C ABI of src/native/include/mer_train.h, one import per function.</summary>
internal static partial class NativeMethods
{
    internal const string Library = "mer_train";

    // A module initializer, so the resolver is in place before the first P/Invoke from any entry point (CLI, tests, workers).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver() => NativeLibraryLocator.Register(typeof(NativeMethods).Assembly, Library);

    [LibraryImport(Library, EntryPoint = "mer_train_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "mer_train_version")]
    internal static partial IntPtr Version();
}

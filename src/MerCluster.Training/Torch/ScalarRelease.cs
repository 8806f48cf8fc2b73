using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MerCluster.Core.Native;
using TorchSharp;

namespace MerCluster.Training.Torch;

/// <summary>
/// Keeps TorchSharp's temporary Scalars valid while native code reads them. TorchSharp 0.107 frees a Scalar in its
/// finalizer and makes temporary ones inside its operators (<c>a + b</c> passes a Scalar 1 made on the spot,
/// <c>x * 0.5</c> converts 0.5 to one, its optimizers do the same); optimised code lets such a temporary become garbage
/// once its handle is read, so a collection started by another thread can free it mid-call ("Scalar::toFloat:
/// Expected false to be true", or a wrong value read silently). TorchSharp's "LibTorchSharp" imports are resolved to
/// our libmer_torchsharp.so instead, which frees a Scalar seconds after it is given up and takes every other symbol
/// from the real library (src/native/torchsharp/scalar_release.cpp).
/// </summary>
public static partial class ScalarRelease
{
    private const string TorchSharpLibrary = "LibTorchSharp";
    private const string Library = "mer_torchsharp";
    private static readonly Lock Gate = new();
    private static bool _registered;
    private static IntPtr _handle;

    [ThreadStatic]
    private static bool _resolving;

    /// <summary>Whether TorchSharp's native calls go through libmer_torchsharp.so (false until its first native call).</summary>
    public static bool Active => _handle != IntPtr.Zero;

    /// <summary>How long a given-up Scalar waits before it is freed.</summary>
    public static TimeSpan Delay => Active ? TimeSpan.FromSeconds(DelaySeconds()) : TimeSpan.Zero;

    /// <summary>Scalars given up and not yet freed.</summary>
    public static long Pending => Active ? PendingScalars() : 0;

    // Before the first P/Invoke from any entry point (CLI, silos, tests); TorchSharp itself installs no resolver.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered)
                return;
            _registered = true;
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
            NativeLibraryLocator.Register(typeof(ScalarRelease).Assembly, Library);
        }
    }

    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != TorchSharpLibrary || _resolving)
            return IntPtr.Zero;
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
                return _handle;
            _resolving = true;
            try
            {
                // The real library first, found as TorchSharp would (its package's runtimes folder), so that ours finds
                // its dependency, libLibTorchSharp.so, already loaded by that name.
                NativeLibrary.Load(TorchSharpLibrary, assembly, searchPath);
                _handle = NativeLibraryLocator.Load(Library, typeof(ScalarRelease).Assembly);
                return _handle;
            }
            finally
            {
                _resolving = false;
            }
        }
    }

    [LibraryImport(Library, EntryPoint = "mer_scalar_release_delay_seconds")]
    private static partial int DelaySeconds();

    [LibraryImport(Library, EntryPoint = "mer_scalar_release_pending")]
    private static partial long PendingScalars();
}

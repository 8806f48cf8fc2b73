using System.Reflection;
using System.Runtime.InteropServices;

namespace MerCluster.Core.Native;

/// <summary>
/// The one place that finds the project's native library (libmer_vision.so):
/// $MER_NATIVE_DIR first, then beside the calling assembly, then the repository's build/native/lib.
/// A library that is found nowhere gives a message that says how to build it.
/// </summary>
public static class NativeLibraryLocator
{
    public const string EnvironmentVariable = "MER_NATIVE_DIR";

    /// <summary>Installs a resolver on <paramref name="assembly"/> for the native library named <paramref name="libraryName"/>.</summary>
    public static void Register(Assembly assembly, string libraryName)
    {
        NativeLibrary.SetDllImportResolver(assembly, (name, asm, searchPath) =>
            name == libraryName ? Load(libraryName, asm) : IntPtr.Zero);
    }

    public static IntPtr Load(string libraryName, Assembly assembly)
    {
        var fileName = $"lib{libraryName}.so";
        var tried = new List<string>();
        foreach (var dir in CandidateDirectories(assembly))
        {
            var path = Path.Combine(dir, fileName);
            tried.Add(path);
            if (File.Exists(path))
                return NativeLibrary.Load(path);
        }
        throw new DllNotFoundException(
            $"Native library {fileName} was not found (looked in: {string.Join(", ", tried)}). " +
            "Run scripts/bootstrap to install the Debian packages and build the native core.");
    }

    private static IEnumerable<string> CandidateDirectories(Assembly assembly)
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
            yield return fromEnv;
        var here = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(here))
        {
            yield return here;
            if (RepositoryPaths.FindRoot(here) is { } root)
                yield return Path.Combine(root, "build", "native", "lib");
        }
    }
}

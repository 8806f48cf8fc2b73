using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MerCluster.Training;

/// <summary>Facts of the native training library.</summary>
public static unsafe class TrainingCore
{
    public static string Version => Marshal.PtrToStringUTF8(NativeMethods.Version()) ?? "";

    /// <summary>
    /// The BLAS library mapped into this process once the training core is loaded (Linux), or null. It should be
    /// Debian's OpenMP OpenBLAS: the reference BLAS trains 3-30x slower, the pthread OpenBLAS fights torch's threads.
    /// </summary>
    public static string? BlasLibrary => Mapped("libblas.so");

    /// <summary>The file of the training core this process loaded (Linux), or null.</summary>
    public static string? LibraryPath => Mapped($"lib{NativeMethods.Library}.so");

    /// <summary>The first library mapped into this process (after loading the training core) whose file name starts with <paramref name="prefix"/>.</summary>
    private static string? Mapped(string prefix)
    {
        _ = Version;
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
            return null;
        return File.ReadLines(maps).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith(prefix, StringComparison.Ordinal))
            .Select(fields => fields[5]).FirstOrDefault();
    }

    /// <summary>The model registry: every architecture the native library can build.</summary>
    public static IReadOnlyList<ModelInfo> Models() =>
        JsonSerializer.Deserialize<List<ModelInfo>>(ReadJson((b, c) => (NativeMethods.Models((byte*)b, c, out var n), n), "listing models"), ModelDescription.Json)!;

    /// <summary>Calls a native function that writes JSON into a caller buffer, growing the buffer when it is too small.</summary>
    internal static string ReadJson(Func<IntPtr, long, (int Status, long Length)> call, string context)
    {
        var capacity = 16 * 1024L;
        while (true)
        {
            var buffer = new byte[capacity];
            fixed (byte* p = buffer)
            {
                var (status, length) = call((IntPtr)p, capacity);
                if (status == 0)
                    return Encoding.UTF8.GetString(buffer, 0, (int)length);
                if (length + 1 <= capacity)
                    TrainingException.Check(status, context);
                capacity = length + 1;
            }
        }
    }
}

namespace MerCluster.Artifacts;

/// <summary>Reads and writes of whole byte arrays and files over any <see cref="IArtifactStore"/>.</summary>
public static class ArtifactStoreExtensions
{
    /// <summary>The verified bytes of <paramref name="name"/> (empty unless <see cref="ArtifactState.Found"/>).</summary>
    public static ArtifactState ReadBytes(this IArtifactStore store, string name, out byte[] content, CancellationToken cancellationToken = default)
    {
        var buffer = new MemoryStream();
        var state = store.Read(name, buffer, out _, cancellationToken);
        content = state == ArtifactState.Found ? buffer.ToArray() : [];
        return state;
    }

    public static bool Create(this IArtifactStore store, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        using var stream = AsStream(content);
        return store.Create(name, stream, cancellationToken);
    }

    public static string Replace(this IArtifactStore store, string name, ReadOnlyMemory<byte> content, string? ifMatch, CancellationToken cancellationToken = default)
    {
        using var stream = AsStream(content);
        return store.Replace(name, stream, ifMatch, cancellationToken);
    }

    /// <summary>
    /// Writes the verified content of <paramref name="name"/> to the file <paramref name="path"/> (through a temporary
    /// file renamed into place, so the file is either absent, as before, or complete) and gives its version.
    /// </summary>
    public static ArtifactState ReadToFile(this IArtifactStore store, string name, string path, out string? version, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + $".{Environment.ProcessId}.{Guid.NewGuid():N}.download";
        try
        {
            ArtifactState state;
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                state = store.Read(name, file, out version, cancellationToken);
            if (state == ArtifactState.Found)
                File.Move(temporary, path, overwrite: true);
            return state;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static bool CreateFromFile(this IArtifactStore store, string name, string path, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenRead(path);
        return store.Create(name, file, cancellationToken);
    }

    public static string ReplaceFromFile(this IArtifactStore store, string name, string path, string? ifMatch, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenRead(path);
        return store.Replace(name, file, ifMatch, cancellationToken);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
}

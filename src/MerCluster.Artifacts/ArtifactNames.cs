namespace MerCluster.Artifacts;

/// <summary>Artifact names: relative paths with '/', no empty, '.' or '..' segment, no segment starting with '.' (reserved for temporaries and locks).</summary>
public static class ArtifactNames
{
    public static string Check(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\\') || name.StartsWith('/')
            || name.Split('/').Any(part => part.Length == 0 || part.StartsWith('.')))
            throw new ArgumentException($"'{name}' is not an artifact name (a relative path with '/', no empty or dot-led parts)", nameof(name));
        return name;
    }

    /// <summary>The name of <paramref name="name"/> below <paramref name="folder"/> (empty: the store's top).</summary>
    public static string Join(string folder, string name) => folder.Length == 0 ? name : folder.TrimEnd('/') + "/" + name;
}

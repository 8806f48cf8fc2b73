namespace MerCluster.Datasets.Manifests;

/// <summary>
/// Frame paths in a manifest are relative to their database's root, '/'-separated and canonical, so a manifest moves
/// with its data and can never point outside it.
/// </summary>
public static class ManifestPaths
{
    /// <summary>The canonical relative form of <paramref name="path"/>, which must lie under <paramref name="root"/>.</summary>
    public static string ToRelative(string root, string path)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(root), Path.GetFullPath(path)).Replace('\\', '/');
        Check(relative, path);
        return relative;
    }

    /// <summary>The absolute path of <paramref name="relative"/> under <paramref name="root"/>; <paramref name="context"/> (the sample) names it in errors.</summary>
    public static string Resolve(string root, string relative, string context)
    {
        Check(relative, context);
        return Path.Combine(root, relative);
    }

    /// <summary>Rejects an empty, absolute or non-canonical path (any <c>..</c> or <c>.</c> segment): such a path could escape the root.</summary>
    public static void Check(string relative, string context)
    {
        if (string.IsNullOrWhiteSpace(relative))
            throw new DatasetException($"{context}: empty frame path");
        if (Path.IsPathRooted(relative) || relative.StartsWith('/') || relative.StartsWith('\\') || relative.Contains(':'))
            throw new DatasetException($"{context}: frame path '{relative}' is absolute; manifest paths are relative to the dataset root");
        foreach (var segment in relative.Split('/', '\\'))
            if (segment is ".." or "." or "")
                throw new DatasetException($"{context}: frame path '{relative}' is not canonical (segment '{segment}') and could escape the dataset root");
    }
}

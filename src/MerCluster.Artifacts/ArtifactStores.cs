namespace MerCluster.Artifacts;

/// <summary>
/// Opens the artifact store a URL names: a folder path (or <c>file://</c> URL) for <see cref="FileSystemArtifactStore"/>,
/// <c>azblob://container/prefix</c> for <see cref="BlobArtifactStore"/> (its connection string from the environment,
/// never from the command line).
/// </summary>
public static class ArtifactStores
{
    public const string BlobScheme = "azblob://";

    public static bool IsBlob(string url) => url.StartsWith(BlobScheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>The store at <paramref name="url"/>, checked usable (a blob container that exists and accepts the credentials).</summary>
    public static IArtifactStore Open(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw new ArtifactStoreException("the artifact store URL is empty (give a folder or azblob://container/prefix)");
        if (IsBlob(url))
            return BlobArtifactStore.Open(url);
        var folder = url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(url).LocalPath : url;
        try
        {
            return new FileSystemArtifactStore(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactStoreException($"artifact store {url}: cannot use the folder ({e.Message})", e);
        }
    }
}

namespace MerCluster.Artifacts;

/// <summary>Artifacts in an Azure Blob storage container (being written).</summary>
public sealed class BlobArtifactStore
{
    public static IArtifactStore Open(string url) => throw new ArtifactStoreException($"artifact store {url}: the blob backend is not built yet");
}

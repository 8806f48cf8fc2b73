using Azure.Storage.Blobs.Models;
using MerCluster.Artifacts;

namespace MerCluster.Pipeline.Tests.Artifacts;

[Collection(AzuriteCollection.Name)]
public sealed class BlobArtifactStoreConformanceTests : ArtifactStoreConformance
{
    private readonly AzuriteFixture _azurite;
    private readonly BlobArtifactStore _store;
    private readonly string _prefix;

    public BlobArtifactStoreConformanceTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _store = azurite.OpenFresh(out _prefix);
    }

    protected override IArtifactStore Store => _store;

    protected override string Backend => "azblob";

    protected override void Alter(string name, byte[] content)
    {
        var blob = _azurite.ContainerClient.GetBlobClient($"{_prefix}/{name}");
        var metadata = blob.GetProperties().Value.Metadata;
        Assert.True(metadata.ContainsKey("sha256"));
        blob.Upload(new BinaryData(content), new BlobUploadOptions { Metadata = metadata });
    }

    protected override void WriteWithoutChecksum(string name, byte[] content) =>
        _azurite.ContainerClient.GetBlobClient($"{_prefix}/{name}").Upload(new BinaryData(content));
}

using Azure.Storage.Blobs;
using MerCluster.Artifacts;

namespace MerCluster.Pipeline.Tests.Artifacts;

/// <summary>One Azurite for every blob test of the run, with one container in which each test takes a fresh prefix.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public TemporaryAzurite Server { get; private set; } = null!;

    public string Container { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await TemporaryAzurite.StartAsync();
        Container = Server.CreateContainer();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>An environment holding only <paramref name="variable"/> = <paramref name="value"/> (the process's own is shared by parallel tests).</summary>
    public static Func<string, string?> Environment(string variable, string value) => name => name == variable ? value : null;

    public Func<string, string?> Environment() => Environment(BlobArtifactStore.ConnectionStringVariable, Server.ConnectionString);

    /// <summary>A store under a prefix no other test uses.</summary>
    public BlobArtifactStore OpenFresh(out string prefix)
    {
        prefix = $"t-{Guid.NewGuid():N}";
        return BlobArtifactStore.Open($"azblob://{Container}/{prefix}", Environment());
    }

    /// <summary>The container as the SDK sees it, to inspect and damage blobs behind the store's back.</summary>
    public BlobContainerClient ContainerClient =>
        new BlobServiceClient(Server.ConnectionString, new BlobClientOptions(BlobArtifactStore.PinnedServiceVersion)).GetBlobContainerClient(Container);
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Azure.Storage.Blobs.Specialized;
using MerCluster.Artifacts;
using MerCluster.Core;

namespace MerCluster.Pipeline.Tests.Artifacts;

/// <summary>What only the blob backend does: its URL, its connection string's sources, and the errors of opening it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobArtifactStoreTests(AzuriteFixture azurite)
{
    private const string WrongKey = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=";

    [Fact]
    public void An_artifact_is_the_blob_prefix_slash_name_with_its_sha256_in_metadata_and_its_etag_as_version()
    {
        var store = azurite.OpenFresh(out var prefix);
        var content = new byte[] { 1, 2, 3, 4 };
        var version = store.Replace("features/ab/k.npy", content, ifMatch: null);
        Assert.Equal($"azblob://{azurite.Container}/{prefix}/features/ab/k.npy", store.Locate("features/ab/k.npy"));
        var properties = azurite.ContainerClient.GetBlobClient($"{prefix}/features/ab/k.npy").GetProperties().Value;
        Assert.Equal(ContentHash.Of(content), properties.Metadata["sha256"]);
        Assert.Equal(properties.ETag.ToString(), version);
        Assert.Equal($"azblob://{azurite.Container}/{prefix}", store.Url);
    }

    [Fact]
    public async Task An_artifact_too_large_for_one_request_goes_in_blocks_under_the_same_guards()
    {
        var store = azurite.OpenFresh(out var prefix);
        var contents = new[] { RandomNumberGenerator.GetBytes(36 << 20), RandomNumberGenerator.GetBytes(36 << 20) };
        using var start = new Barrier(2);
        var won = await Task.WhenAll(contents.Select(content => Task.Run(() =>
        {
            start.SignalAndWait();
            return store.Create("checkpoints/big.ckpt", content);
        })));
        Assert.Single(won, w => w);
        Assert.Equal(ArtifactState.Found, store.ReadBytes("checkpoints/big.ckpt", out var read));
        Assert.Equal(contents[Array.IndexOf(won, true)], read);
        Assert.True(azurite.ContainerClient.GetBlockBlobClient($"{prefix}/checkpoints/big.ckpt").GetBlockList().Value.CommittedBlocks.Count() > 1);
        Assert.Throws<ArtifactConflictException>(() => store.Replace("checkpoints/big.ckpt", contents[0], ifMatch: null));
    }

    [Fact]
    public void A_store_without_a_prefix_keeps_names_at_the_top_of_its_container()
    {
        var container = azurite.Server.CreateContainer();
        var store = BlobArtifactStore.Open($"azblob://{container}", azurite.Environment());
        Assert.True(store.Create("reports/r.json", new byte[] { 42 }));
        Assert.Equal(["reports/r.json"], store.List(""));
        Assert.True(azurite.ContainerClient.GetParentBlobServiceClient().GetBlobContainerClient(container).GetBlobClient("reports/r.json").Exists().Value);
        Assert.Equal($"azblob://{container}/reports/r.json", store.Locate("reports/r.json"));
    }

    [Fact]
    public void The_artifact_store_urls_open_the_blob_backend_with_the_variable_from_the_environment()
    {
        // The process environment is shared by parallel tests: only this test sets the variable, to what every test would.
        Environment.SetEnvironmentVariable(BlobArtifactStore.ConnectionStringVariable, azurite.Server.ConnectionString);
        try
        {
            var store = ArtifactStores.Open($"azblob://{azurite.Container}/t-{Guid.NewGuid():N}/");
            Assert.IsType<BlobArtifactStore>(store);
            Assert.True(store.Create("x", new byte[] { 1 }));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BlobArtifactStore.ConnectionStringVariable, null);
        }
    }

    [Fact]
    public void The_connection_string_can_come_from_the_file_the_file_variable_names()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("connection-string"), azurite.Server.ConnectionString + "\n");
        var url = $"azblob://{azurite.Container}/t-{Guid.NewGuid():N}";
        var store = BlobArtifactStore.Open(url, AzuriteFixture.Environment(BlobArtifactStore.ConnectionStringFileVariable, dir.File("connection-string")));
        Assert.True(store.Create("x", new byte[] { 1 }));

        var missing = Assert.Throws<ArtifactStoreException>(() =>
            BlobArtifactStore.Open(url, AzuriteFixture.Environment(BlobArtifactStore.ConnectionStringFileVariable, dir.File("absent"))));
        Assert.Contains(url, missing.Message);
        Assert.Contains(dir.File("absent"), missing.Message);
        Assert.Contains(BlobArtifactStore.ConnectionStringFileVariable, missing.Message);
    }

    [Fact]
    public void Without_a_connection_string_the_error_names_both_variables()
    {
        var error = Assert.Throws<ArtifactStoreException>(() => BlobArtifactStore.Open($"azblob://{azurite.Container}", _ => null));
        Assert.Contains($"azblob://{azurite.Container}", error.Message);
        Assert.Contains(BlobArtifactStore.ConnectionStringVariable, error.Message);
        Assert.Contains(BlobArtifactStore.ConnectionStringFileVariable, error.Message);
    }

    [Fact]
    public void A_malformed_connection_string_is_an_error_that_does_not_quote_it()
    {
        var malformed = $"AccountName=devstoreaccount1;AccountKey={WrongKey};Nonsense";
        var error = Assert.Throws<ArtifactStoreException>(() =>
            BlobArtifactStore.Open($"azblob://{azurite.Container}", AzuriteFixture.Environment(BlobArtifactStore.ConnectionStringVariable, malformed)));
        Assert.Contains($"azblob://{azurite.Container}", error.Message);
        AssertNoSecret(error, WrongKey);
    }

    [Theory]
    [InlineData("azblob://")]
    [InlineData("azblob://ab")]
    [InlineData("azblob://Features/x")]
    [InlineData("azblob://features/../x")]
    public void A_url_without_a_valid_container_or_prefix_is_an_error_naming_it(string url)
    {
        var error = Assert.Throws<ArtifactStoreException>(() => BlobArtifactStore.Open(url, azurite.Environment()));
        Assert.Contains(url, error.Message);
    }

    [Fact]
    public void A_missing_container_is_an_error_naming_the_url_and_the_container()
    {
        var url = $"azblob://no-such-container-{Guid.NewGuid():N}"[..50] + "/p";
        var error = Assert.Throws<ArtifactStoreException>(() => BlobArtifactStore.Open(url, azurite.Environment()));
        Assert.Contains(url, error.Message);
        Assert.Contains("does not exist", error.Message);
        AssertNoSecret(error, TemporaryAzurite.AccountKey);
    }

    [Fact]
    public void A_wrong_account_key_is_an_error_naming_the_url_and_neither_key()
    {
        var url = $"azblob://{azurite.Container}/p";
        var error = Assert.Throws<ArtifactStoreException>(() =>
            BlobArtifactStore.Open(url, AzuriteFixture.Environment(BlobArtifactStore.ConnectionStringVariable, azurite.Server.ConnectionStringWith(WrongKey))));
        Assert.Contains(url, error.Message);
        Assert.Contains("refused the credentials", error.Message);
        Assert.Contains("403", error.Message);
        AssertNoSecret(error, WrongKey);
        AssertNoSecret(error, TemporaryAzurite.AccountKey);
    }

    [Fact]
    public void An_unreachable_endpoint_is_an_error_within_seconds_naming_the_url_and_the_endpoint()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var connectionString = azurite.Server.ConnectionString.Replace($":{azurite.Server.Port}/", $":{closedPort}/");
        var url = $"azblob://{azurite.Container}/p";
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ArtifactStoreException>(() =>
            BlobArtifactStore.Open(url, AzuriteFixture.Environment(BlobArtifactStore.ConnectionStringVariable, connectionString)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains(url, error.Message);
        Assert.Contains($"127.0.0.1:{closedPort}", error.Message);
        Assert.Contains("cannot reach", error.Message);
        AssertNoSecret(error, TemporaryAzurite.AccountKey);
    }

    /// <summary>Neither the message nor any inner exception's message (what a log of the exception would print) holds the secret.</summary>
    private static void AssertNoSecret(Exception error, string secret)
    {
        Assert.DoesNotContain(secret, error.ToString());
        Assert.DoesNotContain("AccountKey=", error.ToString());
    }
}

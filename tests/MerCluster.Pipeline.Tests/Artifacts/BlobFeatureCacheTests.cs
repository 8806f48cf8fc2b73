using MerCluster.Artifacts;
using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Pipeline.Tests.Artifacts;

/// <summary>The feature cache with its arrays in blob storage (Azurite), as silos with no shared folder use it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobFeatureCacheTests(AzuriteFixture azurite)
{
    private static readonly FeatureKey Key = FeatureKey.For("blob-probe", 1, new { size = 6 }, []);

    private static NdArray<float> Value() => new([2, 3], [1, 2, 3, 4, 5, 6]);

    [Fact]
    public void A_silo_whose_feature_another_silo_stored_meanwhile_keeps_the_stored_one_and_both_read_it()
    {
        // Blob stores lock within a process only: two silos can both miss and compute one feature. The second write
        // finds the first's (create-only): no error, and one verified blob holds the value.
        var store = azurite.OpenFresh(out var prefix);
        var other = BlobArtifactStore.Open($"azblob://{azurite.Container}/{prefix}", azurite.Environment());
        var cache = new FeatureCache(store, ArtifactLayout.Features);
        var value = cache.GetOrCompute(Key, () =>
        {
            var buffer = new MemoryStream();
            Npy.Write(buffer, Value());
            Assert.True(other.Create(cache.NameOf(Key), buffer.ToArray()));
            return Value();
        });
        Assert.Equal(Value().Data, value.Data);
        Assert.Equal(1, cache.Stats.Misses);
        Assert.Single(store.List(ArtifactLayout.Features + "/"));
        Assert.Equal(Value().Data, new FeatureCache(other, ArtifactLayout.Features).GetOrCompute<float>(Key, () => throw new InvalidOperationException("recomputed")).Data);
    }

    [Fact]
    public void A_torn_blob_is_recomputed_and_replaced_never_returned()
    {
        var store = azurite.OpenFresh(out var prefix);
        var cache = new FeatureCache(store, ArtifactLayout.Features);
        cache.GetOrCompute(Key, Value);
        // Cut short behind the store's back, keeping the sha256 metadata of the whole value.
        var blob = azurite.ContainerClient.GetBlobClient($"{prefix}/{cache.NameOf(Key)}");
        var metadata = blob.GetProperties().Value.Metadata;
        var whole = blob.DownloadContent().Value.Content.ToArray();
        blob.Upload(new BinaryData(whole[..(whole.Length / 2)]), overwrite: true);
        blob.SetMetadata(metadata);

        var recomputed = 0;
        var fresh = new FeatureCache(store, ArtifactLayout.Features);
        var value = fresh.GetOrCompute(Key, () => { recomputed++; return Value(); });
        Assert.Equal(1, recomputed);
        Assert.Equal(Value().Data, value.Data);
        Assert.Equal(1, fresh.Stats.Corrupt);
        Assert.Equal(ArtifactState.Found, store.ReadBytes(cache.NameOf(Key), out var stored));
        Assert.Equal(whole, stored);
    }
}

using MerCluster.Artifacts;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

/// <summary>Feature sets and fold checkpoints in a silo's artifact store (a folder here; the blob backend runs the same code over Azurite in ClusterTests).</summary>
public sealed class SiloArtifactsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static FeatureSet Small() => new(["a", "b"],
        [new FeatureSample("x1", "s1", "casme2", "a"), new FeatureSample("x2", "s2", "casme2", "b")],
        [KeyValuePair.Create("flow", new NdArray<float>([2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]))]);

    private string Publish(SiloArtifacts artifacts, string name)
    {
        var staging = _temp.File("staging-" + name);
        Small().Write(staging);
        File.WriteAllLines(Path.Combine(staging, SiloArtifacts.SkippedFile), ["x3: no face"]);
        return artifacts.Publish(name, staging);
    }

    [Fact]
    public void A_published_feature_set_is_found_with_its_left_out_samples_and_loads_verified()
    {
        var artifacts = SiloArtifacts.InFolder(_temp.File("store"));
        Assert.False(artifacts.TryFindFeatureSet("p-1", out _));
        var reference = Publish(artifacts, "p-1");
        Assert.Equal(Path.Combine(_temp.File("store"), "featuresets", "p-1"), reference);
        Assert.True(artifacts.TryFindFeatureSet("p-1", out var skipped));
        Assert.Equal(["x3: no face"], skipped);
        var loaded = new FeatureSetCache(artifacts).Get(reference);
        Assert.Equal(Small().Inputs["flow"].Data, loaded.Inputs["flow"].Data);
    }

    [Fact]
    public void A_damaged_feature_set_file_stops_the_fold_naming_the_file_and_how_to_recompute()
    {
        var artifacts = SiloArtifacts.InFolder(_temp.File("store"));
        var reference = Publish(artifacts, "p-2");
        var array = Path.Combine(reference, "flow.npy");
        var bytes = File.ReadAllBytes(array);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(array, bytes);
        var error = Assert.Throws<InvalidDataException>(() => new FeatureSetCache(artifacts).Get(reference));
        Assert.Contains(array, error.Message);
        Assert.Contains("delete the feature set", error.Message);
    }

    [Fact]
    public void A_folder_of_the_users_is_read_as_it_is_and_blob_features_without_a_blob_store_are_refused()
    {
        var folder = _temp.File("mine");
        Small().Write(folder);
        Assert.Equal(2, new FeatureSetCache(SiloArtifacts.InFolder(_temp.File("store"))).Get(folder).Count);
        var error = Assert.Throws<ArgumentException>(() => new FeatureSetCache().Get("azblob://mer/x/featuresets/p-1"));
        Assert.Contains("--artifacts", error.Message);
        error = Assert.Throws<ArgumentException>(() => new FeatureSetCache(SiloArtifacts.InFolder(_temp.File("store"))).Get("azblob://mer/x/featuresets/p-1"));
        Assert.Contains("not in this silo's artifact store", error.Message);
    }

    [Fact]
    public void A_checkpoint_goes_to_the_store_another_silo_resumes_it_and_a_superseded_attempt_cannot_overwrite_it()
    {
        var store = _temp.File("store");
        var first = new FoldAttemptKey("sweep-1", 3, 30, "s01", 1, "silo-a");
        var second = first with { Attempt = 2, Silo = "silo-b" };
        // Two silos, each with its own disk, sharing the store.
        var onA = new FoldCheckpoint(new SiloArtifacts(new FileSystemArtifactStore(store), _temp.File("disk-a")), first, null);
        var onB = new FoldCheckpoint(new SiloArtifacts(new FileSystemArtifactStore(store), _temp.File("disk-b")), second, null);
        Assert.NotEqual(onA.LocalPath, onB.LocalPath);

        onA.Fetch(CancellationToken.None);
        Assert.False(File.Exists(onA.LocalPath));
        Directory.CreateDirectory(Path.GetDirectoryName(onA.LocalPath)!);
        File.WriteAllText(onA.LocalPath, "epoch 1");
        onA.Saved(onA.LocalPath);
        Assert.Equal(Path.Combine(store, "checkpoints", "sweep-1", "trial-3", "s01.ckpt"), onA.Location);

        // Silo A is thought dead; B's attempt resumes from A's checkpoint and goes on.
        onB.Fetch(CancellationToken.None);
        Assert.Equal("epoch 1", File.ReadAllText(onB.LocalPath));
        File.WriteAllText(onB.LocalPath, "epoch 2");
        onB.Saved(onB.LocalPath);

        // A was only slow: its next checkpoint is refused, and B's stays.
        File.WriteAllText(onA.LocalPath, "epoch 2 of the old attempt");
        var refused = Assert.Throws<InvalidOperationException>(() => onA.Saved(onA.LocalPath));
        Assert.Contains("another attempt", refused.Message);
        Assert.Equal("epoch 2", File.ReadAllText(onB.Location));

        onB.Remove();
        Assert.False(File.Exists(onB.Location));
        Assert.False(File.Exists(onB.LocalPath));
    }

    [Fact]
    public void A_damaged_stored_checkpoint_is_discarded_and_logged_and_the_fold_starts_over()
    {
        var store = _temp.File("store");
        var key = new FoldAttemptKey("sweep-1", 3, 30, "s01", 1, "silo-a");
        var artifacts = new SiloArtifacts(new FileSystemArtifactStore(store), _temp.File("disk"));
        artifacts.Store.Replace(ArtifactLayout.Checkpoint("sweep-1", 3, "s01"), new byte[] { 1, 2, 3 }, null);
        File.WriteAllBytes(artifacts.Store.Locate(ArtifactLayout.Checkpoint("sweep-1", 3, "s01")), [1, 2]);
        var logged = new List<string>();
        var checkpoint = new FoldCheckpoint(artifacts, key, logged.Add);
        checkpoint.Fetch(CancellationToken.None);
        Assert.False(File.Exists(checkpoint.LocalPath));
        Assert.Contains("discarded the damaged checkpoint", Assert.Single(logged));
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint.LocalPath)!);
        File.WriteAllText(checkpoint.LocalPath, "epoch 1");
        checkpoint.Saved(checkpoint.LocalPath);
        Assert.Equal("epoch 1", File.ReadAllText(checkpoint.Location));
    }
}

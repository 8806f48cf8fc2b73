using MerCluster.Artifacts;

namespace MerCluster.Pipeline.Tests;

/// <summary>The read-through local copy of a remote artifact store, here over a folder store standing in for blob storage (the Azurite suite runs the real one).</summary>
public sealed class CachedArtifactStoreTests
{
    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    [Fact]
    public void A_feature_is_downloaded_once_then_read_from_the_local_copy_even_when_the_remote_one_is_gone()
    {
        using var remoteDir = new TempDirectory();
        using var localDir = new TempDirectory();
        var remote = new FileSystemArtifactStore(remoteDir.Path);
        remote.Create("features/ab/abc.npy", Bytes(1000, 1));
        var cached = new CachedArtifactStore(remote, localDir.Path, 1 << 20);

        Assert.Equal(ArtifactState.Found, cached.ReadBytes("features/ab/abc.npy", out var first));
        remote.Delete("features/ab/abc.npy");
        Assert.Equal(ArtifactState.Found, cached.ReadBytes("features/ab/abc.npy", out var second));
        Assert.Equal(Bytes(1000, 1), first);
        Assert.Equal(first, second);
        Assert.Equal((1L, 1L, 1000L), (cached.Stats.Hits, cached.Stats.Misses, cached.Stats.BytesFetched));
        Assert.True(File.Exists(cached.LocalPath("features/ab/abc.npy")));
    }

    [Fact]
    public void Checkpoints_are_never_copied_locally_so_a_newer_version_is_always_read()
    {
        using var remoteDir = new TempDirectory();
        using var localDir = new TempDirectory();
        var remote = new FileSystemArtifactStore(remoteDir.Path);
        var cached = new CachedArtifactStore(remote, localDir.Path, 1 << 20);
        var v1 = cached.Replace("checkpoints/s/trial-1/a.ckpt", Bytes(100, 1), null);
        cached.ReadBytes("checkpoints/s/trial-1/a.ckpt", out _);
        cached.Replace("checkpoints/s/trial-1/a.ckpt", Bytes(100, 2), v1);
        Assert.Equal(ArtifactState.Found, cached.ReadBytes("checkpoints/s/trial-1/a.ckpt", out var read));
        Assert.Equal(Bytes(100, 2), read);
        Assert.Empty(new FileSystemArtifactStore(localDir.Path).List(""));
        Assert.Throws<ArgumentException>(() => cached.LocalPath("checkpoints/s/trial-1/a.ckpt"));
    }

    [Fact]
    public void A_damaged_local_copy_is_downloaded_again_and_a_damaged_remote_one_reads_corrupt()
    {
        using var remoteDir = new TempDirectory();
        using var localDir = new TempDirectory();
        var remote = new FileSystemArtifactStore(remoteDir.Path);
        remote.Create("features/ab/abc.npy", Bytes(1000, 3));
        remote.Create("features/cd/cde.npy", Bytes(1000, 4));
        var cached = new CachedArtifactStore(remote, localDir.Path, 1 << 20);
        var local = cached.LocalPath("features/ab/abc.npy")!;
        File.WriteAllBytes(local, Bytes(10, 9));

        // A new process (the silo restarted) finds the damaged copy and fetches a good one.
        var restarted = new CachedArtifactStore(remote, localDir.Path, 1 << 20);
        Assert.Equal(ArtifactState.Found, restarted.ReadBytes("features/ab/abc.npy", out var read));
        Assert.Equal(Bytes(1000, 3), read);

        File.WriteAllBytes(remote.Locate("features/cd/cde.npy"), Bytes(999, 4));
        Assert.Equal(ArtifactState.Corrupt, restarted.ReadBytes("features/cd/cde.npy", out _));
        Assert.False(File.Exists(Path.Combine(localDir.Path, "features", "cd", "cde.npy")));
    }

    [Fact]
    public void Writes_keep_a_local_copy_and_the_folder_stays_within_its_capacity_dropping_the_least_recently_used()
    {
        using var remoteDir = new TempDirectory();
        using var localDir = new TempDirectory();
        var remote = new FileSystemArtifactStore(remoteDir.Path);
        // Copies used in the last minute are kept; pretend these were used long ago by starting a new cache over them.
        var writer = new CachedArtifactStore(remote, localDir.Path, 10_000);
        for (var i = 0; i < 4; i++)
            Assert.True(writer.Create($"features/0{i}/f{i}.npy", Bytes(3000, (byte)i)));
        Assert.Equal(12_000, writer.Stats.BytesHeld);
        foreach (var file in Directory.EnumerateFiles(localDir.Path, "*.npy", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(file.Contains("f2") ? -1 : -2));

        var reader = new CachedArtifactStore(remote, localDir.Path, 10_000);
        Assert.Equal(12_000, reader.Stats.BytesHeld);
        remote.Create("features/09/new.npy", Bytes(3000, 9));
        Assert.Equal(ArtifactState.Found, reader.ReadBytes("features/09/new.npy", out _));
        Assert.True(reader.Stats.BytesHeld <= 10_000, $"{reader.Stats.BytesHeld} bytes held");
        var kept = new FileSystemArtifactStore(localDir.Path).List("features/");
        Assert.Contains("features/09/new.npy", kept);
        Assert.Contains("features/02/f2.npy", kept);
        Assert.Equal(3, kept.Count);
    }
}

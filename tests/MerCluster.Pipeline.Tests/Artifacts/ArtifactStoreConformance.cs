using System.Security.Cryptography;
using MerCluster.Artifacts;
using MerCluster.Core;

namespace MerCluster.Pipeline.Tests.Artifacts;

/// <summary>What every <see cref="IArtifactStore"/> backend promises, run once per backend by its subclass.</summary>
public abstract class ArtifactStoreConformance
{
    protected abstract IArtifactStore Store { get; }

    /// <summary>The backend's name in <see cref="ArtifactThroughputResult.Backend"/>.</summary>
    protected abstract string Backend { get; }

    /// <summary>Overwrites the stored content of <paramref name="name"/> behind the store's back, leaving its recorded checksum as it was.</summary>
    protected abstract void Alter(string name, byte[] content);

    /// <summary>Stores <paramref name="content"/> under <paramref name="name"/> behind the store's back, with no checksum at all.</summary>
    protected abstract void WriteWithoutChecksum(string name, byte[] content);

    protected static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    [Fact]
    public void Bytes_written_read_back_the_same_with_the_version_the_write_returned()
    {
        foreach (var content in new[] { RandomBytes(100_000), [] })
        {
            var name = $"features/ab/{Guid.NewGuid():N}.npy";
            var version = Store.Replace(name, content, ifMatch: null);
            Assert.Equal(ArtifactState.Found, Store.ReadBytes(name, out var read));
            Assert.Equal(content, read);
            Assert.Equal(ArtifactState.Found, Store.Read(name, Stream.Null, out var readVersion));
            Assert.Equal(version, readVersion);
        }
    }

    [Fact]
    public void A_file_written_reads_back_to_a_file_with_the_same_bytes()
    {
        using var dir = new TempDirectory();
        var content = RandomBytes(3 << 20);
        File.WriteAllBytes(dir.File("in.ckpt"), content);
        Assert.True(Store.CreateFromFile("checkpoints/s01.ckpt", dir.File("in.ckpt")));
        Assert.Equal(ArtifactState.Found, Store.ReadToFile("checkpoints/s01.ckpt", dir.File("out/s01.ckpt"), out var version));
        Assert.Equal(content, File.ReadAllBytes(dir.File("out/s01.ckpt")));
        Assert.False(string.IsNullOrEmpty(version));
    }

    [Fact]
    public void A_missing_artifact_reads_missing_and_leaves_no_file()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ArtifactState.Missing, Store.ReadBytes("features/none.npy", out var content));
        Assert.Empty(content);
        Assert.Equal(ArtifactState.Missing, Store.ReadToFile("features/none.npy", dir.File("none.npy"), out var version));
        Assert.Null(version);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_second_create_returns_false_and_keeps_the_first_content()
    {
        var first = RandomBytes(1000);
        Assert.True(Store.Create("features/x.npy", first));
        Assert.False(Store.Create("features/x.npy", RandomBytes(1000)));
        Assert.Equal(ArtifactState.Found, Store.ReadBytes("features/x.npy", out var read));
        Assert.Equal(first, read);
    }

    [Fact]
    public async Task Of_two_concurrent_creates_of_one_name_exactly_one_wins_and_both_then_read_its_content()
    {
        for (var round = 0; round < 5; round++)
        {
            var name = $"features/race-{round}.npy";
            var contents = new[] { RandomBytes(1 << 20), RandomBytes(1 << 20) };
            using var start = new Barrier(2);
            var writers = contents.Select(content => Task.Run(() =>
            {
                start.SignalAndWait();
                return Store.Create(name, content);
            })).ToArray();
            var won = await Task.WhenAll(writers);
            Assert.Single(won, w => w);
            var winner = contents[Array.IndexOf(won, true)];
            var reads = Enumerable.Range(0, 2).Select(_ => Task.Run(() => (State: Store.ReadBytes(name, out var read), Read: read))).ToArray();
            foreach (var (state, read) in await Task.WhenAll(reads))
            {
                Assert.Equal(ArtifactState.Found, state);
                Assert.Equal(winner, read);
            }
        }
    }

    [Fact]
    public void A_replace_guarded_by_the_current_version_writes_and_returns_the_new_one()
    {
        var first = Store.Replace("checkpoints/t/s01.ckpt", RandomBytes(500), ifMatch: null);
        var second = RandomBytes(500);
        var version = Store.Replace("checkpoints/t/s01.ckpt", second, first);
        Assert.NotEqual(first, version);
        Assert.Equal(ArtifactState.Found, Store.Read("checkpoints/t/s01.ckpt", new MemoryStream(), out var readVersion));
        Assert.Equal(version, readVersion);
    }

    [Fact]
    public void A_replace_guarded_by_a_stale_version_is_a_conflict_naming_the_artifact_and_changes_nothing()
    {
        var stale = Store.Replace("checkpoints/t/s02.ckpt", RandomBytes(500), ifMatch: null);
        var current = RandomBytes(500);
        Store.Replace("checkpoints/t/s02.ckpt", current, stale);
        var conflict = Assert.Throws<ArtifactConflictException>(() => Store.Replace("checkpoints/t/s02.ckpt", RandomBytes(500), stale));
        Assert.Contains(Store.Locate("checkpoints/t/s02.ckpt"), conflict.Message);
        Assert.Equal(ArtifactState.Found, Store.ReadBytes("checkpoints/t/s02.ckpt", out var read));
        Assert.Equal(current, read);
    }

    [Fact]
    public void A_replace_expecting_no_artifact_over_an_existing_one_is_a_conflict()
    {
        var existing = RandomBytes(500);
        Assert.True(Store.Create("checkpoints/t/s03.ckpt", existing));
        var conflict = Assert.Throws<ArtifactConflictException>(() => Store.Replace("checkpoints/t/s03.ckpt", RandomBytes(500), ifMatch: null));
        Assert.Contains(Store.Locate("checkpoints/t/s03.ckpt"), conflict.Message);
        Assert.Equal(ArtifactState.Found, Store.ReadBytes("checkpoints/t/s03.ckpt", out var read));
        Assert.Equal(existing, read);
    }

    [Fact]
    public void A_replace_guarded_by_the_version_of_a_deleted_artifact_is_a_conflict()
    {
        var version = Store.Replace("checkpoints/t/s04.ckpt", RandomBytes(500), ifMatch: null);
        Assert.True(Store.Delete("checkpoints/t/s04.ckpt"));
        Assert.Throws<ArtifactConflictException>(() => Store.Replace("checkpoints/t/s04.ckpt", RandomBytes(500), version));
        Assert.Equal(ArtifactState.Missing, Store.Read("checkpoints/t/s04.ckpt", Stream.Null, out _));
    }

    [Fact]
    public void Content_altered_after_it_was_written_reads_corrupt()
    {
        var content = RandomBytes(4096);
        Assert.True(Store.Create("features/altered.npy", content));
        var altered = (byte[])content.Clone();
        altered[1234] ^= 0xff;
        Alter("features/altered.npy", altered);
        Assert.Equal(ArtifactState.Corrupt, Store.Read("features/altered.npy", new MemoryStream(), out var version));
        Assert.Null(version);
        Alter("features/altered.npy", content[..2048]);
        Assert.Equal(ArtifactState.Corrupt, Store.Read("features/altered.npy", new MemoryStream(), out _));
    }

    [Fact]
    public void Content_without_a_checksum_reads_corrupt()
    {
        WriteWithoutChecksum("features/unchecked.npy", RandomBytes(4096));
        Assert.Equal(ArtifactState.Corrupt, Store.Read("features/unchecked.npy", new MemoryStream(), out var version));
        Assert.Null(version);
    }

    [Fact]
    public void Delete_removes_the_artifact_and_says_whether_there_was_one()
    {
        Assert.True(Store.Create("reports/r.json", RandomBytes(10)));
        Assert.True(Store.Delete("reports/r.json"));
        Assert.False(Store.Delete("reports/r.json"));
        Assert.Equal(ArtifactState.Missing, Store.Read("reports/r.json", Stream.Null, out _));
        Assert.DoesNotContain("reports/r.json", Store.List(""));
    }

    [Fact]
    public void List_gives_the_names_below_a_folder_in_ordinal_order()
    {
        foreach (var name in new[] { "a/y/z", "a/x", "ab/w", "b", "a/Y" })
            Assert.True(Store.Create(name, RandomBytes(10)));
        Assert.Equal(["a/Y", "a/x", "a/y/z"], Store.List("a/"));
        Assert.Equal(["a/Y", "a/x", "a/y/z"], Store.List("a"));
        Assert.Equal(["a/y/z"], Store.List("a/y/"));
        Assert.Equal(["a/Y", "a/x", "a/y/z", "ab/w", "b"], Store.List(""));
        Assert.Empty(Store.List("c/"));
    }

    [Fact]
    public async Task A_lock_excludes_a_second_holder_until_it_is_released()
    {
        var held = Store.Lock("features/locked.npy");
        var second = Task.Run(() => Store.Lock("features/locked.npy"));
        Assert.NotSame(second, await Task.WhenAny(second, Task.Delay(200)));
        using (Store.Lock("features/other.npy"))
        {
        }
        held.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public void Throughput_is_measured_in_positive_MB_per_second_and_leaves_nothing_behind()
    {
        var result = ArtifactThroughput.Measure(Store, count: 4, size: 1 << 20);
        Assert.Equal(Backend, result.Backend);
        Assert.True(result.WriteMBPerSecond > 0);
        Assert.True(result.ReadMBPerSecond > 0);
        Assert.Empty(Store.List("bench/"));
    }
}

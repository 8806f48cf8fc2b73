using MerCluster.Artifacts;

namespace MerCluster.Pipeline.Tests.Artifacts;

public sealed class FileSystemArtifactStoreConformanceTests : ArtifactStoreConformance, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FileSystemArtifactStore _store;

    public FileSystemArtifactStoreConformanceTests() => _store = new FileSystemArtifactStore(_dir.Path);

    protected override IArtifactStore Store => _store;

    protected override string Backend => "folder";

    protected override void Alter(string name, byte[] content) => File.WriteAllBytes(_store.Locate(name), content);

    protected override void WriteWithoutChecksum(string name, byte[] content)
    {
        var path = _store.Locate(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>
    /// A process killed inside a replace (a silo SIGKILLed as its fold saves a checkpoint) leaves the checksum file
    /// naming both versions, and the value either one: both states read as a good value, and the next guarded replace
    /// takes the version it read. Before, the value and checksum could disagree and a resumed fold discarded its checkpoint.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_replace_cut_short_leaves_a_value_its_checksum_vouches_for(bool valueMoved)
    {
        var first = _store.Replace("checkpoints/f.ckpt", new MemoryStream([1, 2, 3]), null);
        var second = Sha256([4, 5, 6]);
        var path = _store.Locate("checkpoints/f.ckpt");
        // The state between the replace's two writes: the checksum file lists the new and the old version.
        File.WriteAllText(path + ".sha256", $"{second}  f.ckpt\n{first}  f.ckpt\n");
        if (valueMoved)
            File.WriteAllBytes(path, [4, 5, 6]);

        var read = new MemoryStream();
        Assert.Equal(ArtifactState.Found, _store.Read("checkpoints/f.ckpt", read, out var version));
        Assert.Equal(valueMoved ? second : first, version);
        Assert.Equal(valueMoved ? new byte[] { 4, 5, 6 } : [1, 2, 3], read.ToArray());
        var third = _store.Replace("checkpoints/f.ckpt", new MemoryStream([7, 8]), version);
        Assert.Throws<ArtifactConflictException>(() => _store.Replace("checkpoints/f.ckpt", new MemoryStream([9]), version));
        Assert.Equal($"{third}  f.ckpt\n", File.ReadAllText(path + ".sha256"));
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    public void Dispose() => _dir.Dispose();
}

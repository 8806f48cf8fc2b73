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

    public void Dispose() => _dir.Dispose();
}

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>A temporary directory deleted with the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mer-orch-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string SqliteUrl => "sqlite:" + File("store.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

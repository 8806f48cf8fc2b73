namespace MerCluster.Datasets.Tests;

/// <summary>A temporary folder for one test's dataset tree, deleted afterwards.</summary>
public sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "mer-datasets-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Creates empty frame files <paramref name="first"/>..<paramref name="last"/> named by <paramref name="name"/>, skipping <paramref name="skip"/>.</summary>
    public void Frames(string clipDirectory, int first, int last, Func<int, string> name, params int[] skip)
    {
        var dir = Path.Combine(Root, clipDirectory);
        Directory.CreateDirectory(dir);
        for (var k = first; k <= last; k++)
            if (!skip.Contains(k))
                File.WriteAllBytes(Path.Combine(dir, name(k)), []);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail the test that used it.
        }
    }
}

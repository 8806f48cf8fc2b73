using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

public sealed class XlsxWriterTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Identical_rows_give_identical_bytes()
    {
        IReadOnlyList<object?>[] rows = [["Subject", null, "Filename"], [1, null, "EP02_01f"], [2.5, "x", null]];
        XlsxWriter.Write(_tree.PathOf("a.xlsx"), "Sheet1", rows);
        Thread.Sleep(1100);
        XlsxWriter.Write(_tree.PathOf("b.xlsx"), "Sheet1", rows);
        Assert.Equal(File.ReadAllBytes(_tree.PathOf("a.xlsx")), File.ReadAllBytes(_tree.PathOf("b.xlsx")));
    }
}

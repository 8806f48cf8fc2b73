using MerCluster.Datasets.Loaders;

namespace MerCluster.Datasets.Tests;

public sealed class SmicLoaderTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static string Image(int k) => $"image{k:000000}.bmp";

    private DatabaseScan LoadFixture()
    {
        _tree.Frames("HS/s1/micro/positive/s1_po_01", 1001, 1011, Image);
        _tree.Frames("HS/s1/micro/negative/s1_ne_01", 2000, 2013, Image);
        _tree.Frames("HS/s3/micro/surprise/s3_sur_02", 50, 60, Image, skip: 55);
        Directory.CreateDirectory(_tree.PathOf("HS/s3/micro/negative/s3_ne_01"));
        return SmicLoader.Load(_tree.Root);
    }

    [Fact]
    public void Onset_and_offset_are_the_first_and_last_frames_and_the_apex_the_middle_one()
    {
        var scan = LoadFixture();
        var clip = scan.Clips.Single(c => c.Name == "s1_po_01");
        Assert.Equal("smic/s1", clip.Subject);
        Assert.Equal("smic/s1/s1_po_01", clip.SampleId);
        Assert.Equal("positive", clip.Emotion);
        Assert.Equal((1001, 1006, 1011), (clip.Onset, clip.Apex, clip.Offset));
        Assert.Equal("HS/s1/micro/positive/s1_po_01/image001006.bmp", clip.ApexFrame);
        Assert.Empty(clip.Flags);
        Assert.Equal(2006, scan.Clips.Single(c => c.Name == "s1_ne_01").Apex);
    }

    [Fact]
    public void A_gap_in_the_frames_or_an_empty_clip_folder_is_excluded_with_the_path()
    {
        var scan = LoadFixture();
        Assert.Equal(2, scan.Clips.Count);
        var excluded = scan.Excluded.ToDictionary(e => e.Sample, e => e.Reason);
        Assert.Equal(2, excluded.Count);
        Assert.Contains(Path.Combine(_tree.Root, "HS/s3/micro/surprise/s3_sur_02", "image000055.bmp"), excluded["smic/s3/s3_sur_02"]);
        Assert.Contains("holds no frame images", excluded["smic/s3/s3_ne_01"]);
    }

    [Fact]
    public void The_HS_folder_itself_is_accepted_as_the_root()
    {
        LoadFixture();
        var scan = SmicLoader.Load(_tree.PathOf("HS"));
        Assert.Equal("s1/micro/positive/s1_po_01/image001001.bmp", scan.Clips.Single(c => c.Name == "s1_po_01").Frames[0]);
    }

    [Fact]
    public void A_folder_without_subjects_is_an_error_naming_it()
    {
        var error = Assert.Throws<DatasetException>(() => SmicLoader.Load(_tree.Root));
        Assert.Contains(_tree.Root, error.Message);
    }
}

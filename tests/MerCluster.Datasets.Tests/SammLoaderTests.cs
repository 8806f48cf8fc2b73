using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

public sealed class SammLoaderTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private DatabaseScan LoadFixture()
    {
        static Func<int, string> Frame(int subject) => k => $"{subject:000}_{k:00000}.jpg";
        _tree.Frames("006/006_1_2", 5560, 5580, Frame(6));
        _tree.Frames("006/006_1_3", 100, 120, Frame(6));
        _tree.Frames("007/007_3_1", 200, 230, Frame(7));
        _tree.Frames("007/007_6_2", 10, 20, Frame(7), skip: 12);
        _tree.Frames("011/011_2_5", 1, 50, Frame(11));
        CodingSheetWriter.WriteSamm(_tree.PathOf(SammLoader.SheetFile),
        [
            new(6, "006_1_2", 5562, 5570, 5578, "R12+R14", "Happiness"),
            new(6, "006_1_3", 100, null, 120, "4", "Anger"),
            new(7, "007_3_1", 200, -1, 230, "R12 or 12", "Contempt"),
            new(7, "007_6_2", 10, 15, 20, "4+7", "Disgust"),
            new(9, "009_1_1", 10, 15, 20, "1+2", "Surprise"),
            new(11, "011_2_5", 5, 9, 0, "A1", "Other"),
        ]);
        return SammLoader.Load(_tree.Root);
    }

    [Fact]
    public void The_header_row_is_found_below_the_free_text_preamble()
    {
        var scan = LoadFixture();
        Assert.Equal(4, scan.Clips.Count);
        Assert.Equal(2, scan.Excluded.Count);
        var clip = scan.Clips.Single(c => c.Name == "006_1_2");
        Assert.Equal("samm/006", clip.Subject);
        Assert.Equal("samm/006/006_1_2", clip.SampleId);
        Assert.Equal("006/006_1_2/006_05570.jpg", clip.ApexFrame);
        Assert.Equal(["R12+R14"], clip.ActionUnits);
        Assert.Equal("Happiness", clip.Emotion);
    }

    [Fact]
    public void A_missing_or_minus_one_apex_becomes_the_middle_frame_and_is_flagged()
    {
        var scan = LoadFixture();
        Assert.Equal(110, scan.Clips.Single(c => c.Name == "006_1_3").Apex);
        var minusOne = scan.Clips.Single(c => c.Name == "007_3_1");
        Assert.Equal(215, minusOne.Apex);
        Assert.Contains(minusOne.Flags, f => f.Contains("apex '-1'"));
    }

    [Fact]
    public void An_or_in_the_action_units_keeps_the_alternatives_and_is_flagged()
    {
        var clip = LoadFixture().Clips.Single(c => c.Name == "007_3_1");
        Assert.Equal(["R12", "12"], clip.ActionUnits);
        Assert.Contains(clip.Flags, f => f.Contains("'R12 or 12'"));
    }

    [Fact]
    public void Offset_zero_becomes_the_last_frame_present()
    {
        var clip = LoadFixture().Clips.Single(c => c.Name == "011_2_5");
        Assert.Equal((5, 9, 50), (clip.Onset, clip.Apex, clip.Offset));
        Assert.Contains(clip.Flags, f => f.Contains("offset 0"));
    }

    [Fact]
    public void Missing_folders_and_frames_are_excluded_naming_the_path()
    {
        var excluded = LoadFixture().Excluded.ToDictionary(e => e.Sample, e => e.Reason);
        Assert.Contains(Path.Combine(_tree.Root, "009", "009_1_1"), excluded["samm/009/009_1_1"]);
        Assert.Contains(Path.Combine(_tree.Root, "007", "007_6_2", "007_00012.jpg"), excluded["samm/007/007_6_2"]);
        Assert.Contains("SAMM_Micro_FACS_Codes_v2.xlsx row", excluded["samm/007/007_6_2"]);
    }
}

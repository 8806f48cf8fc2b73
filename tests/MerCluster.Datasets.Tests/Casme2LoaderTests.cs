using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

public sealed class Casme2LoaderTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static string Img(int k) => $"img{k}.jpg";

    private DatabaseScan LoadFixture()
    {
        _tree.Frames("sub01/EP01_01", 8, 22, Img);
        _tree.Frames("sub01/EP01_02", 10, 20, Img);
        _tree.Frames("sub01/EP01_03", 10, 20, Img);
        _tree.Frames("sub02/EP02_01", 10, 30, Img);
        _tree.Frames("sub02/EP02_02", 10, 30, Img);
        _tree.Frames("sub02/EP02_03", 10, 30, Img);
        _tree.Frames("sub03/EP03_01", 1, 9, Img);
        _tree.Frames("sub03/EP03_03", 10, 20, Img, skip: 15);
        _tree.Frames("sub04/EP04_01f", 100, 110, k => $"reg_img{k}.jpg");
        CodingSheetWriter.WriteCasme2(_tree.PathOf(Casme2Loader.SheetFile),
        [
            new(1, "EP01_01", 10, 14, 20, "12", "happiness"),
            new(1, "EP01_02", 10, "/", 20, "4+7", "disgust"),
            new(1, "EP01_03", 10, null, 20, "4", "repression"),
            new(2, "EP02_01", 10, 12, 0, "1+2", "surprise"),
            new(2, "EP02_02", 10, 12, 99, "4", "others"),
            new(2, "EP02_03", 10, 50, 20, "4", "disgust"),
            new(3, "EP03_01", 1, 5, 9, "4+7 or 4+9", "fear"),
            new(3, "EP03_02", 1, 5, 9, "4", "sadness"),
            new(3, "EP03_03", 10, 12, 20, "4", "happiness"),
            new(4, "EP04_01f", 100, 105, 110, "14", "happiness"),
        ]);
        return Casme2Loader.Load(_tree.Root);
    }

    [Fact]
    public void Loader_keeps_seven_clips_and_excludes_three_of_the_fixture()
    {
        var scan = LoadFixture();
        Assert.Equal(7, scan.Clips.Count);
        Assert.Equal(3, scan.Excluded.Count);
        Assert.All(scan.Excluded, e => Assert.Equal("casme2", e.Database));
    }

    [Fact]
    public void A_clean_row_gives_prefixed_ids_absolute_frame_numbers_and_relative_frame_files()
    {
        var clip = LoadFixture().Clips.Single(c => c.Name == "EP01_01");
        Assert.Equal("casme2/sub01", clip.Subject);
        Assert.Equal("casme2/sub01/EP01_01", clip.SampleId);
        Assert.Equal((10, 14, 20), (clip.Onset, clip.Apex, clip.Offset));
        Assert.Equal(11, clip.Frames.Count);
        Assert.Equal("sub01/EP01_01/img10.jpg", clip.Frames[0]);
        Assert.Equal("sub01/EP01_01/img14.jpg", clip.ApexFrame);
        Assert.Equal(["12"], clip.ActionUnits);
        Assert.Empty(clip.Flags);
    }

    [Fact]
    public void Apex_slash_or_empty_becomes_the_middle_frame_and_is_flagged()
    {
        var scan = LoadFixture();
        var slash = scan.Clips.Single(c => c.Name == "EP01_02");
        var empty = scan.Clips.Single(c => c.Name == "EP01_03");
        Assert.Equal(15, slash.Apex);
        Assert.Equal(15, empty.Apex);
        Assert.Contains(slash.Flags, f => f.Contains("apex '/'") && f.Contains("middle frame"));
        Assert.Contains(empty.Flags, f => f.Contains("apex missing"));
    }

    [Fact]
    public void Offset_zero_or_past_the_last_frame_becomes_the_last_frame_present_and_is_flagged()
    {
        var scan = LoadFixture();
        var zero = scan.Clips.Single(c => c.Name == "EP02_01");
        var past = scan.Clips.Single(c => c.Name == "EP02_02");
        Assert.Equal(30, zero.Offset);
        Assert.Equal(30, past.Offset);
        Assert.Equal(21, zero.Frames.Count);
        Assert.Contains(zero.Flags, f => f.Contains("offset 0"));
        Assert.Contains(past.Flags, f => f.Contains("offset 99 is past the last frame"));
    }

    [Fact]
    public void Apex_outside_onset_to_offset_is_excluded_with_the_numbers_and_the_sheet_row()
    {
        var excluded = LoadFixture().Excluded.Single(e => e.Sample == "casme2/sub02/EP02_03");
        Assert.Contains("apex 50 is outside onset..offset 10..20", excluded.Reason);
        Assert.Contains("CASME2-coding-20140508.xlsx row 7", excluded.Reason);
    }

    [Fact]
    public void An_action_unit_cell_with_or_keeps_both_alternatives_and_is_flagged()
    {
        var clip = LoadFixture().Clips.Single(c => c.Name == "EP03_01");
        Assert.Equal(["4+7", "4+9"], clip.ActionUnits);
        Assert.Contains(clip.Flags, f => f.Contains("alternatives"));
    }

    [Fact]
    public void A_missing_clip_folder_is_excluded_naming_its_path()
    {
        var excluded = LoadFixture().Excluded.Single(e => e.Sample == "casme2/sub03/EP03_02");
        Assert.Contains(Path.Combine(_tree.Root, "sub03", "EP03_02"), excluded.Reason);
        Assert.Contains("missing", excluded.Reason);
    }

    [Fact]
    public void A_missing_frame_inside_onset_to_offset_is_excluded_naming_the_frame_file()
    {
        var excluded = LoadFixture().Excluded.Single(e => e.Sample == "casme2/sub03/EP03_03");
        Assert.Contains(Path.Combine(_tree.Root, "sub03", "EP03_03", "img15.jpg"), excluded.Reason);
    }

    [Fact]
    public void Cropped_release_frame_names_reg_img_are_read()
    {
        var clip = LoadFixture().Clips.Single(c => c.Name == "EP04_01f");
        Assert.Equal("sub04/EP04_01f/reg_img105.jpg", clip.ApexFrame);
    }

    [Fact]
    public void A_missing_sheet_is_an_error_naming_the_expected_file()
    {
        var error = Assert.Throws<DatasetException>(() => Casme2Loader.Load(_tree.Root));
        Assert.Contains(Casme2Loader.SheetFile, error.Message);
    }

    [Fact]
    public void A_sheet_without_the_header_is_an_error_naming_the_missing_columns()
    {
        XlsxWriter.Write(_tree.PathOf(Casme2Loader.SheetFile), "Sheet1", [["Subject", "Filename"], [1, "EP01_01"]]);
        var error = Assert.Throws<DatasetException>(() => Casme2Loader.Load(_tree.Root));
        Assert.Contains("'OnsetFrame'", error.Message);
    }

    [Fact]
    public void Subject_cells_written_as_sub01_are_read_and_a_bad_subject_is_excluded_with_the_row()
    {
        _tree.Frames("sub07/EP01_01", 1, 9, Img);
        XlsxWriter.Write(_tree.PathOf(Casme2Loader.SheetFile), "Sheet1",
        [
            [.. Casme2Loader.Columns],
            ["sub07", "EP01_01", 1, 5, 9, "12", "happiness"],
            ["subject seven", "EP01_02", 1, 5, 9, "12", "happiness"],
        ]);
        var scan = Casme2Loader.Load(_tree.Root);
        Assert.Equal("casme2/sub07/EP01_01", scan.Clips.Single().SampleId);
        Assert.Contains("row 3: Subject 'subject seven' is not a CASME II subject number", scan.Excluded.Single().Reason);
    }
}

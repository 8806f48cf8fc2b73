using MerCluster.Pipeline.Clips;

namespace MerCluster.Pipeline.Tests;

public class ClipTests
{
    private static string Frames(TempDirectory dir, string pattern, params int[] numbers)
    {
        var folder = dir.File("frames");
        Directory.CreateDirectory(folder);
        foreach (var n in numbers)
            File.WriteAllText(Path.Combine(folder, string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, n)), "");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "");
        return folder;
    }

    [Fact]
    public void Frame_numbers_come_from_the_file_names_as_the_coding_sheets_give_them()
    {
        using var dir = new TempDirectory();
        var folder = Frames(dir, "006_{0:00000}.jpg", 5560, 5561, 5562, 5563, 5564, 5565);
        var clip = FrameFolder.Load(folder, 5561, 5563, 5564);
        Assert.Equal(["006_05561.jpg", "006_05562.jpg", "006_05563.jpg", "006_05564.jpg"], clip.Frames.Select(Path.GetFileName));
        Assert.Equal((0, 2, 3), (clip.Onset, clip.Apex, clip.Offset));
        Assert.EndsWith("006_05563.jpg", clip.ApexFrame);
    }

    [Fact]
    public void Without_an_offset_the_clip_runs_to_the_last_frame_in_numeric_order()
    {
        using var dir = new TempDirectory();
        var folder = Frames(dir, "img{0}.jpg", 8, 9, 10, 11);
        var clip = FrameFolder.Load(folder, 9, 10);
        Assert.Equal(["img9.jpg", "img10.jpg", "img11.jpg"], clip.Frames.Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(1, 3, null, "onset frame 1 is missing")]
    [InlineData(8, 20, null, "apex frame 20 is missing")]
    [InlineData(10, 9, null, "onset <= apex <= offset")]
    [InlineData(8, 8, null, "apex and onset are the same frame")]
    public void Bad_frame_numbers_are_errors_naming_the_folder(int onset, int apex, int? offset, string message)
    {
        using var dir = new TempDirectory();
        var folder = Frames(dir, "img{0}.jpg", 8, 9, 10, 11);
        var error = Assert.Throws<PreprocessingException>(() => FrameFolder.Load(folder, onset, apex, offset));
        Assert.Contains(message, error.Message);
        Assert.StartsWith(folder, error.Message);
    }

    [Fact]
    public void A_missing_folder_is_an_error_naming_it()
    {
        var error = Assert.Throws<PreprocessingException>(() => FrameFolder.Load("/nonexistent/clip", 1, 2));
        Assert.Contains("/nonexistent/clip", error.Message);
    }

    [Fact]
    public void A_gap_names_the_missing_file_spelled_like_its_neighbours()
    {
        using var dir = new TempDirectory();
        var folder = Frames(dir, "006_{0:00000}.jpg", 5560, 5561, 5563);
        var error = Assert.Throws<PreprocessingException>(() => FrameFolder.Load(folder, 5560, 5561));
        Assert.Contains(Path.Combine(folder, "006_05562.jpg"), error.Message);
    }

    [Fact]
    public void A_clip_list_reads_relative_folders_and_optional_offsets()
    {
        using var dir = new TempDirectory();
        var csv = dir.File("clips.csv");
        File.WriteAllText(csv, "frames_dir,onset,apex,offset\nsub01/EP02,46,59,\n/data/sub02/EP03,10,20,30\n");
        var entries = ClipList.Read(csv);
        Assert.Equal(new ClipListEntry(Path.Combine(dir.Path, "sub01/EP02"), 46, 59, null, 2), entries[0]);
        Assert.Equal(new ClipListEntry("/data/sub02/EP03", 10, 20, 30, 3), entries[1]);
    }

    [Theory]
    [InlineData("frames_dir,apex\nx,3\n", ":1: missing column 'onset'")]
    [InlineData("frames_dir,onset,apex\nx,one,3\n", ":2: onset 'one' is not a frame number")]
    [InlineData("frames_dir,onset,apex\nx,1\n", ":2: 2 cells")]
    public void A_malformed_clip_list_names_the_file_and_line(string text, string message)
    {
        using var dir = new TempDirectory();
        var csv = dir.File("clips.csv");
        File.WriteAllText(csv, text);
        var error = Assert.Throws<FormatException>(() => ClipList.Read(csv));
        Assert.Contains(csv + message, error.Message);
    }
}

namespace MerCluster.Vision.Tests;

public class ImageTests
{
    [Fact]
    public void Reading_the_portrait_gives_a_512x512_BGR_image_that_names_its_file()
    {
        var portrait = Shared.Portrait;
        Assert.Equal((512, 512, 3), (portrait.Height, portrait.Width, portrait.Channels));
        Assert.EndsWith("astronaut.png", portrait.Source);
    }

    [Fact]
    public void A_written_png_reads_back_pixel_for_pixel_and_gray_stays_gray()
    {
        var dir = Shared.TempDirectory();
        var gray = new Image(3, 4, 1, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255]);
        var path = Path.Combine(dir, "gray.png");
        gray.Write(path);
        var back = Image.Read(path);
        Assert.Equal(1, back.Channels);
        Assert.Equal(gray.Data, back.Data);
        Assert.Equal(3, Image.Read(path, ImageColor.Bgr).Channels);
    }

    [Fact]
    public void Images_of_different_sizes_read_in_turn_keep_their_own_sizes()
    {
        var dir = Shared.TempDirectory();
        new Image(8, 8, 3).Write(Path.Combine(dir, "big.bmp"));
        new Image(2, 3, 3).Write(Path.Combine(dir, "small.bmp"));
        Assert.Equal(64 * 3, Image.Read(Path.Combine(dir, "big.bmp")).Data.Length);
        Assert.Equal(6 * 3, Image.Read(Path.Combine(dir, "small.bmp")).Data.Length);
        Assert.Equal(64 * 3, Image.Read(Path.Combine(dir, "big.bmp")).Data.Length);
    }

    [Fact]
    public void A_missing_file_is_an_IO_error_naming_it()
    {
        var path = Path.Combine(Shared.TempDirectory(), "img17.jpg");
        var error = Assert.Throws<VisionException>(() => Image.Read(path));
        Assert.Equal(VisionStatus.Io, error.Status);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void An_unreadable_file_is_an_IO_error_naming_it()
    {
        var path = Path.Combine(Shared.TempDirectory(), "img3.jpg");
        File.WriteAllText(path, "not a jpeg");
        var error = Assert.Throws<VisionException>(() => Image.Read(path));
        Assert.Equal(VisionStatus.Io, error.Status);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Writing_to_an_unknown_extension_is_an_IO_error_naming_the_path()
    {
        var path = Path.Combine(Shared.TempDirectory(), "frame.xyz");
        var error = Assert.Throws<VisionException>(() => new Image(2, 2, 1).Write(path));
        Assert.Equal(VisionStatus.Io, error.Status);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Crop_copies_the_region_row_by_row()
    {
        var portrait = Shared.Portrait;
        var crop = portrait.Crop(100, 50, 30, 20);
        Assert.Equal((20, 30, 3), (crop.Height, crop.Width, crop.Channels));
        Assert.Equal(portrait[50 + 19, 100 + 29, 2], crop[19, 29, 2]);
        Assert.Equal(portrait[50, 100, 0], crop[0, 0, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => portrait.Crop(500, 0, 30, 20));
    }

    [Fact]
    public void Resizing_and_gray_conversion_keep_a_flat_colour_flat()
    {
        var flat = new Image(10, 10, 3, Enumerable.Repeat((byte)200, 300).ToArray());
        var small = flat.Resized(4, 6);
        Assert.Equal((4, 6, 3), (small.Height, small.Width, small.Channels));
        Assert.All(small.Data, value => Assert.Equal(200, value));
        var gray = flat.ToGray();
        Assert.Equal(1, gray.Channels);
        Assert.All(gray.Data, value => Assert.Equal(200, value));
    }

    [Fact]
    public void A_resized_flow_keeps_its_vectors_in_original_pixels()
    {
        var flow = FlowField.Uniform(56, 56, 1.25f, -0.5f).Resized(28, 28);
        Assert.Equal((28, 28), (flow.Height, flow.Width));
        Assert.All(flow.HorizontalComponent().Data, u => Assert.Equal(1.25f, u, 1e-5f));
        Assert.All(flow.VerticalComponent().Data, v => Assert.Equal(-0.5f, v, 1e-5f));
    }
}

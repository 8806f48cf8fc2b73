namespace MerCluster.Vision.Tests;

public class DynamicImageTests
{
    [Fact]
    public void Three_frame_coefficients_are_the_closed_form_values()
    {
        // T = 3, H = (0, 1, 3/2, 11/6): a_1 = 6 - 4 * 11/6, a_2 = 4 - 4 * 5/6, a_3 = 2 - 4 * 1/3.
        var a = DynamicImage.Coefficients(3);
        Assert.Equal([-4.0 / 3, 2.0 / 3, 2.0 / 3], a, (x, y) => Math.Abs(x - y) < 1e-12);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(57)]
    public void Coefficients_follow_the_harmonic_number_formula_and_sum_to_zero(int frames)
    {
        var harmonic = new double[frames + 1];
        for (var n = 1; n <= frames; n++)
            harmonic[n] = harmonic[n - 1] + 1.0 / n;
        var a = DynamicImage.Coefficients(frames);
        for (var t = 1; t <= frames; t++)
            Assert.Equal(2.0 * (frames - t + 1) - (frames + 1) * (harmonic[frames] - harmonic[t - 1]), a[t - 1], 1e-9);
        Assert.Equal(0, a.Sum(), 1e-9);
    }

    [Fact]
    public void A_three_frame_clip_pools_with_those_coefficients_then_spans_0_to_255()
    {
        // Per pixel sum a_t f_t: (10, 20, 30) -> 20, (30, 20, 10) -> -20, (0, 0, 3) -> 2, so min-max maps them to 255, 0 and 22/40 * 255.
        Image[] clip =
        [
            new(1, 3, 1, [10, 30, 0], "clip/img1.jpg"),
            new(1, 3, 1, [20, 20, 0], "clip/img2.jpg"),
            new(1, 3, 1, [30, 10, 3], "clip/img3.jpg"),
        ];
        var image = DynamicImage.Compute(clip);
        Assert.Equal(new byte[] { 255, 0, 140 }, image.Data);
    }

    [Fact]
    public void A_frame_of_another_size_is_an_error_naming_its_file()
    {
        Image[] clip = [new(4, 4, 1, source: "clip/img1.jpg"), new(4, 4, 3, source: "clip/img2.jpg")];
        var error = Assert.Throws<VisionException>(() => DynamicImage.Compute(clip));
        Assert.Contains("clip/img2.jpg", error.Message);
    }
}

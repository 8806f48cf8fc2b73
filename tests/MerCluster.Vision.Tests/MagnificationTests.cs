namespace MerCluster.Vision.Tests;

public class MagnificationTests
{
    private const int Size = 96;
    private const int Frames = 32;
    private const double Fps = 32;
    private const double Amplitude = 0.1;

    [Fact]
    public void A_sub_pixel_oscillation_is_amplified_by_about_the_factor_asked()
    {
        // Stripes oscillate by 0.1 sin(2 pi 2 t) px at 32 fps; over 32 frames that is exactly DFT bin 2, so an ideal
        // 1.5-2.5 Hz band keeps it whole. EVM's first-order model says the motion grows to (1 + alpha) * 0.1 px.
        var clip = Synthetic.MovingGrating(Size, Frames, t => Amplitude * Math.Sin(2 * Math.PI * 2 * t / Fps));
        const double alpha = 10;
        var options = new MagnificationOptions { Alpha = alpha, LowHz = 1.5, HighHz = 2.5, Levels = 4, LambdaC = 0, Filter = TemporalFilter.Ideal };
        var magnified = Magnification.Magnify(clip, Fps, options);

        // Frames 4 and 12 are the oscillation's extremes (+A and -A). TV-L1 measures the motion between them in both
        // clips; it under-reads sub-pixel motion of this grating by about 15%, the same factor in both, so the ratio
        // of the two readings is the amplification (measured 10.8 for alpha 10, 6.0 for alpha 5).
        var input = MeanHorizontalFlow(clip[12], clip[4]);
        var output = MeanHorizontalFlow(magnified[12], magnified[4]);
        Assert.InRange(input, 2 * Amplitude * 0.7, 2 * Amplitude * 1.1);
        // 15%: EVM's first-order model holds while (1 + alpha) A = 1.1 px stays under a tenth of the 16 px period
        // (the grating's sine bends the amplified motion by a few %), the Laplacian bands leak a little into the
        // unamplified finest level and residual, and frames are rounded to 8 bits.
        Assert.InRange(output / input, (1 + alpha) * 0.85, (1 + alpha) * 1.15);
    }

    [Theory]
    [InlineData(TemporalFilter.Ideal)]
    [InlineData(TemporalFilter.Butterworth)]
    public void A_still_clip_is_left_unchanged(TemporalFilter filter)
    {
        var clip = Synthetic.MovingGrating(64, 8, _ => 0);
        var magnified = Magnification.Magnify(clip, 200, new MagnificationOptions { Filter = filter, Levels = 3 });
        for (var t = 0; t < clip.Length; t++)
            Assert.All(clip[t].Data.Zip(magnified[t].Data), pair => Assert.InRange(pair.Second - pair.First, -1, 1));
    }

    [Fact]
    public void Butterworth_magnification_makes_a_step_motion_larger()
    {
        // The onset-to-apex shape of a micro-expression: still, then a 0.2 px step.
        var clip = Synthetic.MovingGrating(Size, 24, t => t < 8 ? 0 : 0.2);
        var magnified = Magnification.Magnify(clip, 200, new MagnificationOptions { LowHz = 1, HighHz = 30, LambdaC = 0 });
        Assert.True(MeanHorizontalFlow(magnified[0], magnified[12]) > 2 * MeanHorizontalFlow(clip[0], clip[12]));
    }

    [Fact]
    public void A_frame_of_another_size_is_an_error_naming_its_file()
    {
        var clip = Synthetic.MovingGrating(32, 3, _ => 0);
        clip[1] = new Image(16, 32, 1, source: "samm/006/006_1_2/006_05563.jpg");
        var error = Assert.Throws<VisionException>(() => Magnification.Magnify(clip, 200));
        Assert.Equal(VisionStatus.Argument, error.Status);
        Assert.Contains("samm/006/006_1_2/006_05563.jpg", error.Message);
    }

    [Fact]
    public void A_band_above_the_Nyquist_frequency_is_an_argument_error()
    {
        var clip = Synthetic.MovingGrating(32, 3, _ => 0);
        var error = Assert.Throws<VisionException>(() => Magnification.Magnify(clip, 4, new MagnificationOptions { HighHz = 3 }));
        Assert.Equal(VisionStatus.Argument, error.Status);
    }

    private static double MeanHorizontalFlow(Image from, Image to)
    {
        var flow = OpticalFlow.TvL1(from, to);
        const int margin = 16;
        double sum = 0;
        var count = 0;
        for (var y = margin; y < flow.Height - margin; y++)
        for (var x = margin; x < flow.Width - margin; x++)
        {
            sum += flow.U(y, x);
            count++;
        }
        return sum / count;
    }
}

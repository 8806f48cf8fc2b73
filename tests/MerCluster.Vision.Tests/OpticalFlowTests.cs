namespace MerCluster.Vision.Tests;

public class OpticalFlowTests
{
    [Fact]
    public void TvL1_recovers_a_2_pixel_shift_of_the_portrait()
    {
        var (from, to) = ShiftedPair(2, 0);
        var error = MeanEndpointError(OpticalFlow.TvL1(from, to), 2, 0);
        Assert.True(error < 0.1, $"mean endpoint error {error:F3} px");
    }

    [Fact]
    public void TvL1_recovers_a_diagonal_shift()
    {
        var (from, to) = ShiftedPair(-1, 2);
        var error = MeanEndpointError(OpticalFlow.TvL1(from, to), -1, 2);
        Assert.True(error < 0.1, $"mean endpoint error {error:F3} px");
    }

    [Fact]
    public void Farneback_approximates_the_same_shift()
    {
        var (from, to) = ShiftedPair(2, 0);
        var error = MeanEndpointError(OpticalFlow.Farneback(from, to), 2, 0);
        Assert.True(error < 0.5, $"mean endpoint error {error:F3} px");
    }

    [Fact]
    public void Frames_of_different_sizes_are_an_error_naming_the_second_file()
    {
        var onset = new Image(64, 64, 1, source: "smic/s1/s1_po_01/image1.bmp");
        var apex = new Image(64, 48, 1, source: "smic/s1/s1_po_01/image9.bmp");
        var error = Assert.Throws<VisionException>(() => OpticalFlow.TvL1(onset, apex));
        Assert.Equal(VisionStatus.Argument, error.Status);
        Assert.Contains("image9.bmp", error.Message);
    }

    [Fact]
    public void An_invalid_option_is_an_argument_error()
    {
        var frame = new Image(32, 32, 1);
        var error = Assert.Throws<VisionException>(() => OpticalFlow.TvL1(frame, frame, new TvL1Options { MedianFiltering = 4 }));
        Assert.Equal(VisionStatus.Argument, error.Status);
        Assert.Contains("median_filtering", error.Message);
    }

    /// <summary>The face crop and the same crop with its content moved by (dx, dy) whole pixels.</summary>
    private static (Image From, Image To) ShiftedPair(int dx, int dy)
    {
        var from = Synthetic.FaceCrop();
        var to = Warp.Remap(from, FlowField.Uniform(from.Height, from.Width, -dx, -dy));
        return (from, to);
    }

    /// <summary>Mean endpoint error over the central region (20 px margin: the border was replicated by the shift).</summary>
    private static double MeanEndpointError(FlowField flow, float u, float v)
    {
        const int margin = 20;
        double sum = 0;
        var count = 0;
        for (var y = margin; y < flow.Height - margin; y++)
        for (var x = margin; x < flow.Width - margin; x++)
        {
            sum += Math.Sqrt(Math.Pow(flow.U(y, x) - u, 2) + Math.Pow(flow.V(y, x) - v, 2));
            count++;
        }
        return sum / count;
    }
}

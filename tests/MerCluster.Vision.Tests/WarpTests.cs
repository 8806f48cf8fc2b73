namespace MerCluster.Vision.Tests;

public class WarpTests
{
    [Fact]
    public void A_whole_pixel_displacement_samples_the_neighbour_it_points_at()
    {
        var portrait = Shared.Portrait;
        var warped = Warp.Remap(portrait, FlowField.Uniform(portrait.Height, portrait.Width, 2, -1));
        for (var y = 10; y < 500; y += 37)
        for (var x = 10; x < 500; x += 41)
            Assert.Equal(portrait[y - 1, x + 2, 1], warped[y, x, 1]);
    }

    [Fact]
    public void A_half_pixel_displacement_interpolates_bilinearly()
    {
        var ramp = new Image(1, 4, 1, [0, 100, 200, 250]);
        var warped = Warp.Remap(ramp, FlowField.Uniform(1, 4, 0.5f, 0));
        Assert.Equal(new byte[] { 50, 150, 225, 250 }, warped.Data);
    }

    [Fact]
    public void Displacements_past_the_border_replicate_the_edge()
    {
        var ramp = new Image(1, 4, 1, [0, 100, 200, 250]);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, Warp.Remap(ramp, FlowField.Uniform(1, 4, -9, 0)).Data);
        Assert.Equal(new byte[] { 250, 250, 250, 250 }, Warp.Remap(ramp, FlowField.Uniform(1, 4, 9, 0)).Data);
    }

    [Fact]
    public void A_field_of_another_size_is_an_argument_error()
    {
        var error = Assert.Throws<VisionException>(() => Warp.Remap(new Image(4, 4, 1), new FlowField(3, 4)));
        Assert.Equal(VisionStatus.Argument, error.Status);
    }
}

using System.Drawing;

namespace MerCluster.Vision.Tests;

public class FlowColorTests
{
    [Fact]
    public void The_wheel_has_55_hues_in_Middlebury_segments()
    {
        var wheel = FlowColor.Wheel();
        Assert.Equal(55, wheel.Length);
        // Segments RY 15, YG 6, GC 4, CB 11, BM 13, MR 6 start at pure red, yellow, green, cyan, blue, magenta.
        Assert.Equal((255, 0, 0), Rgb(wheel[0]));
        Assert.Equal((255, 255, 0), Rgb(wheel[15]));
        Assert.Equal((0, 255, 0), Rgb(wheel[21]));
        Assert.Equal((0, 255, 255), Rgb(wheel[25]));
        Assert.Equal((0, 0, 255), Rgb(wheel[36]));
        Assert.Equal((255, 0, 255), Rgb(wheel[49]));
        Assert.Equal(55, wheel.Distinct().Count());
    }

    [Fact]
    public void The_four_axis_directions_get_the_Middlebury_colours()
    {
        // Middlebury's computeColor: fk = (atan2(-v, -u) / pi + 1) / 2 * 54 (0-based), v pointing down.
        // right: fk = 0 -> red; down: fk = 13.5 -> between hues 13 and 14 (orange-yellow);
        // left: fk = 27 -> hue 27 (cyan-blue); up: fk = 40.5 -> between hues 40 and 41 (blue-violet).
        var flow = new FlowField(1, 4, [1, 0, 0, 1, -1, 0, 0, -1]);
        var image = FlowColor.Render(flow);
        AssertRgb((255, 0, 0), image, 0);
        AssertRgb((255, 229, 0), image, 1);
        AssertRgb((0, 209, 255), image, 2);
        AssertRgb((88, 0, 255), image, 3);
    }

    [Fact]
    public void Saturation_follows_the_magnitude_relative_to_the_largest_and_no_motion_is_white()
    {
        var flow = new FlowField(1, 3, [4, 0, 2, 0, 0, 0]);
        var image = FlowColor.Render(flow);
        AssertRgb((255, 0, 0), image, 0);
        AssertRgb((255, 127, 127), image, 1);
        AssertRgb((255, 255, 255), image, 2);
        Assert.All(FlowColor.Render(new FlowField(2, 2)).Data, value => Assert.Equal(255, value));
    }

    private static (int, int, int) Rgb(Color color) => (color.R, color.G, color.B);

    private static void AssertRgb((int R, int G, int B) expected, Image bgr, int x)
    {
        var actual = (R: bgr[0, x, 2], G: bgr[0, x, 1], B: bgr[0, x, 0]);
        Assert.True(Math.Abs(actual.R - expected.R) <= 1 && Math.Abs(actual.G - expected.G) <= 1 && Math.Abs(actual.B - expected.B) <= 1,
            $"pixel {x}: expected RGB {expected}, got {actual}");
    }
}

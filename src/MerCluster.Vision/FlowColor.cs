using System.Drawing;

namespace MerCluster.Vision;

/// <summary>
/// MJFN's flow image: the Middlebury colour code (55-hue wheel: red-yellow 15, yellow-green 6, green-cyan 4,
/// cyan-blue 11, blue-magenta 13, magenta-red 6). Hue from direction by Middlebury's atan2(-v, -u) with v pointing
/// down: right = red, down = yellow, left = cyan-blue, up = blue-magenta; saturation from the magnitude divided by
/// the field's largest magnitude (still pixels are white).
/// </summary>
public static class FlowColor
{
    /// <summary>The flow as a BGR image of the same size.</summary>
    public static Image Render(FlowField flow)
    {
        var image = new Image(flow.Height, flow.Width, 3);
        VisionException.Check(NativeMethods.FlowColor(flow.Data, flow.Height, flow.Width, image.Data), $"colouring a {flow.Width}x{flow.Height} flow");
        return image;
    }

    /// <summary>The colour wheel's hues, hue 0 (red, motion to the right) first.</summary>
    public static Color[] Wheel()
    {
        VisionException.Check(NativeMethods.FlowColorWheel([], 0, out var hues), "reading the colour wheel");
        var rgb = new byte[hues * 3];
        VisionException.Check(NativeMethods.FlowColorWheel(rgb, hues, out _), "reading the colour wheel");
        var wheel = new Color[hues];
        for (var k = 0; k < hues; k++)
            wheel[k] = Color.FromArgb(rgb[3 * k], rgb[3 * k + 1], rgb[3 * k + 2]);
        return wheel;
    }
}

namespace MerCluster.Vision;

/// <summary>Backward warping by a dense displacement field.</summary>
public static class Warp
{
    /// <summary>out(x, y) = image(x + u(x, y), y + v(x, y)), bilinear, border replicated; the field must have the image's size.</summary>
    public static Image Remap(Image image, FlowField displacement)
    {
        if (displacement.Height != image.Height || displacement.Width != image.Width)
            throw new VisionException(VisionStatus.Argument,
                $"warping {image.Source ?? "an image"}: displacement is {displacement.Width}x{displacement.Height} but the image is {image.Width}x{image.Height}");
        var result = new Image(image.Height, image.Width, image.Channels);
        var status = NativeMethods.WarpRemap(image.Data, image.Height, image.Width, image.Channels, displacement.Data, result.Data);
        VisionException.Check(status, $"warping {image.Source ?? "an image"}");
        return result;
    }
}

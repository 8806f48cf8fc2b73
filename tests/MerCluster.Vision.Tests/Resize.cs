namespace MerCluster.Vision.Tests;

/// <summary>Test-only nearest-neighbour resize, to make small faces from the portrait.</summary>
internal static class Resize
{
    public static Image Nearest(Image image, int height, int width)
    {
        var result = new Image(height, width, image.Channels);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        for (var c = 0; c < image.Channels; c++)
            result.Data[(y * width + x) * image.Channels + c] = image[y * image.Height / height, x * image.Width / width, c];
        return result;
    }
}

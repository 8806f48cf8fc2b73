using System.Drawing;
using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// The portrait every synthetic subject starts from: a square crop around the detected face, resampled to
/// <see cref="Size"/> x <see cref="Size"/>, with its 68 landmarks. Landmarks are detected once, on the full portrait.
/// </summary>
internal sealed record FaceTemplate(Image Image, PointF[] Landmarks)
{
    /// <summary>Frame side in pixels: small enough to write thousands of frames quickly, large enough (face about 120 px wide) for dlib's detector.</summary>
    public const int Size = 240;

    /// <summary>Crop side as a multiple of the jaw width: the whole head with some background, as in the databases' frames.</summary>
    private const float CropToJaw = 2.0f;

    public static FaceTemplate FromPortrait(string portraitPath, FaceModel model)
    {
        var portrait = Image.Read(portraitPath, ImageColor.Bgr);
        var face = model.Detect(portrait, portraitPath);
        var jaw = face.Landmarks[16].X - face.Landmarks[0].X;
        var side = Math.Min(CropToJaw * jaw, Math.Min(portrait.Width, portrait.Height));
        var centreX = face.Landmarks.Average(p => p.X);
        var centreY = face.Landmarks.Average(p => p.Y) - 0.08f * side;
        var left = Math.Clamp(centreX - side / 2, 0, portrait.Width - side);
        var top = Math.Clamp(centreY - side / 2, 0, portrait.Height - side);
        var scale = Size / side;
        var image = Pixels.Resample(portrait, left, top, side, Size);
        var landmarks = face.Landmarks.Select(p => new PointF((p.X - left) * scale, (p.Y - top) * scale)).ToArray();
        return new FaceTemplate(image, landmarks);
    }
}

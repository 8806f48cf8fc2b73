using System.Drawing;
using System.Runtime.InteropServices;
using MerCluster.Core;

namespace MerCluster.Vision;

/// <summary>
/// dlib's HOG frontal face detector and 68-landmark shape predictor. Loading takes about a second, so load once and share:
/// <see cref="Detect"/> is safe to call from several threads at once.
/// </summary>
public sealed class FaceModel : IDisposable
{
    private readonly FaceModelHandle _handle;

    private FaceModel(FaceModelHandle handle) => _handle = handle;

    /// <summary>Loads the landmark model at <paramref name="landmarkModelPath"/> (default: <see cref="RepositoryPaths.LandmarkModel"/>).</summary>
    public static FaceModel Load(string? landmarkModelPath = null)
    {
        var path = landmarkModelPath ?? RepositoryPaths.LandmarkModel;
        var status = NativeMethods.FaceModelCreate(path, out var handle);
        if (status != 0)
            handle.Dispose();
        VisionException.Check(status, "loading the face landmark model (run scripts/bootstrap if it is missing)");
        return new FaceModel(handle);
    }

    /// <summary>The largest face in <paramref name="image"/>; no face is a <see cref="VisionException"/> (<see cref="VisionStatus.NoFace"/>) naming <paramref name="source"/>.</summary>
    public Face Detect(Image image, string source)
    {
        Span<float> box = stackalloc float[4];
        var landmarks = new PointF[Face.LandmarkCount];
        var status = NativeMethods.FaceDetect(_handle, image.Data, image.Height, image.Width, image.Channels, box, MemoryMarshal.Cast<PointF, float>(landmarks.AsSpan()));
        VisionException.Check(status, $"detecting a face in {source}");
        return new Face(new RectangleF(box[0], box[1], box[2], box[3]), landmarks);
    }

    /// <summary>As <see cref="Detect(Image, string)"/>, naming the image's own file.</summary>
    public Face Detect(Image image) => Detect(image, image.Source ?? "an in-memory image");

    public void Dispose() => _handle.Dispose();
}

using MerCluster.Pipeline.Cache;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// A frame image on disk and the hash of its bytes: the leaves every feature key is built from. The frame is decoded
/// at most once per clip plan (face detection, alignment and the span steps share the decoded pixels, which no step
/// modifies).
/// </summary>
public sealed class FrameFile
{
    private readonly Lazy<Image> _image;

    private FrameFile(string path, FeatureKey key)
    {
        Path = path;
        Key = key;
        _image = new Lazy<Image>(() => NativeClock.Time(() => Image.Read(path, ImageColor.Bgr)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Path { get; }

    public FeatureKey Key { get; }

    /// <summary>Hashes <paramref name="path"/>; a missing or unreadable file is an error naming it.</summary>
    public static FrameFile Hash(string path)
    {
        try
        {
            return new FrameFile(path, FeatureKey.OfFile(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read frame {path}: {e.Message}", e);
        }
    }

    /// <summary>The frame decoded as BGR; an undecodable file is a <see cref="VisionException"/> naming it.</summary>
    public Image Read() => _image.Value;

    /// <summary>Decodes <paramref name="frames"/>; a frame whose size differs from the first is an error naming both files.</summary>
    public static IReadOnlyList<Image> ReadAll(IReadOnlyList<FrameFile> frames)
    {
        var images = new Image[frames.Count];
        for (var i = 0; i < images.Length; i++)
        {
            images[i] = frames[i].Read();
            if (!images[i].SameShape(images[0]))
                throw new VisionException(VisionStatus.Argument,
                    $"frame {frames[i].Path} is {images[i].Width}x{images[i].Height} but {frames[0].Path} is {images[0].Width}x{images[0].Height}: all frames of a clip must have one size");
        }
        return images;
    }
}

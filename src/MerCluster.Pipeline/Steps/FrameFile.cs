using MerCluster.Pipeline.Cache;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// A frame image on disk and the hash of its bytes: the leaves every feature key is built from. Each is hashed only
/// when a key needs it and decoded at most once per clip plan (face detection, alignment and the span steps share the
/// decoded pixels, which no step modifies).
/// </summary>
public sealed class FrameFile
{
    private readonly Lazy<FeatureKey> _key;
    private readonly Lazy<Image> _image;

    private FrameFile(string path)
    {
        Path = path;
        _key = new Lazy<FeatureKey>(() => Hash(path), LazyThreadSafetyMode.ExecutionAndPublication);
        _image = new Lazy<Image>(() => NativeClock.Time(() => Image.Read(path, ImageColor.Bgr)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Path { get; }

    /// <summary>The hash of the file's bytes, computed when a feature key first needs it; an unreadable file is an IOException naming it.</summary>
    public FeatureKey Key => _key.Value;

    public static FrameFile At(string path) => new(path);

    private static FeatureKey Hash(string path)
    {
        try
        {
            return FeatureKey.OfFile(path);
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

using MerCluster.Vision;

namespace MerCluster.Pipeline.Clips;

/// <summary>
/// A clip made from one still face for demos, tests and benchmarks: frame k (1-based, img{k}.png) is the face moved
/// (k - 1) * <paramref name="pixelsPerFrame"/> px to the right, a motion whose flow is known exactly.
/// </summary>
public static class TranslatedClip
{
    public static Clip Write(Image face, string directory, int frames, float pixelsPerFrame, int onset, int apex, string? name = null)
    {
        Directory.CreateDirectory(directory);
        for (var k = 0; k < frames; k++)
        {
            // Remap samples face(x + u): u = -s moves the content s px to the right.
            var frame = Warp.Remap(face, FlowField.Uniform(face.Height, face.Width, -pixelsPerFrame * k, 0));
            frame.Write(Path.Combine(directory, $"img{k + 1}.png"));
        }
        return FrameFolder.Load(directory, onset, apex, name: name);
    }
}

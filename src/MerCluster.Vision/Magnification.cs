namespace MerCluster.Vision;

/// <summary>Eulerian video magnification of a clip (Wu et al. 2012), as MSMMT applies before motion features.</summary>
public static class Magnification
{
    /// <summary>
    /// The clip with motion in the temporal band amplified; <paramref name="fps"/> is the recording's frame rate
    /// (CASME II and SAMM 200, SMIC-HS 100). Frames of another size are an error naming the file.
    /// </summary>
    public static Image[] Magnify(IReadOnlyList<Image> frames, double fps, MagnificationOptions? options = null)
    {
        if (frames.Count < 2)
            throw new ArgumentException($"magnification needs at least 2 frames, got {frames.Count}", nameof(frames));
        var parameters = (options ?? new MagnificationOptions()).ToNative(fps);
        var outputs = new Image[frames.Count];
        for (var i = 0; i < outputs.Length; i++)
            outputs[i] = new Image(frames[0].Height, frames[0].Width, frames[0].Channels, source: frames[i].Source);
        using (var input = new PinnedImages(frames))
        using (var output = new PinnedImages(outputs))
            VisionException.Check(NativeMethods.Magnify(input.Span, frames.Count, parameters, output.Span), $"magnifying the clip of {frames[0].Source ?? "in-memory frames"}", frames);
        return outputs;
    }
}

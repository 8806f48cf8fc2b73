namespace MerCluster.Vision;

/// <summary>The dynamic image of a clip by approximate rank pooling (MSMMT's second modality).</summary>
public static class DynamicImage
{
    /// <summary>a_t = 2(T - t + 1) - (T + 1)(H_T - H_{t-1}) for t = 1..<paramref name="frameCount"/>, H the harmonic numbers.</summary>
    public static double[] Coefficients(int frameCount)
    {
        if (frameCount < 1)
            throw new ArgumentOutOfRangeException(nameof(frameCount), $"a clip needs at least 1 frame, got {frameCount}");
        var coefficients = new double[frameCount];
        VisionException.Check(NativeMethods.RankPoolingCoefficients(frameCount, coefficients), $"rank pooling coefficients for {frameCount} frames");
        return coefficients;
    }

    /// <summary>sum_t a_t frame_t, min-max scaled to 0..255 over all pixels and channels; frames of another size are an error naming the file.</summary>
    public static Image Compute(IReadOnlyList<Image> frames)
    {
        if (frames.Count < 2)
            throw new ArgumentException($"a dynamic image needs at least 2 frames, got {frames.Count}", nameof(frames));
        var result = new Image(frames[0].Height, frames[0].Width, frames[0].Channels);
        using (var pinned = new PinnedImages(frames))
            VisionException.Check(NativeMethods.DynamicImage(pinned.Span, frames.Count, result.Data), $"dynamic image of the clip of {frames[0].Source ?? "in-memory frames"}", frames);
        return result;
    }
}

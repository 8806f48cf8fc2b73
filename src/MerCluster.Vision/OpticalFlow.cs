namespace MerCluster.Vision;

/// <summary>Dense optical flow from one frame to another (gray; BGR frames are converted).</summary>
public static class OpticalFlow
{
    /// <summary>TV-L1 flow from <paramref name="from"/> (onset) to <paramref name="to"/> (apex): to(x + u, y + v) ~ from(x, y).</summary>
    public static FlowField TvL1(Image from, Image to, TvL1Options? options = null)
    {
        var parameters = (options ?? new TvL1Options()).ToNative();
        Image[] pair = [from, to];
        var flow = new FlowField(from.Height, from.Width);
        using (var pinned = new PinnedImages(pair))
            VisionException.Check(NativeMethods.FlowTvL1(pinned.Span, parameters, flow.Data), Context("TV-L1", from, to), pair);
        return flow;
    }

    /// <summary>Farneback flow, a fast approximation of <see cref="TvL1"/>.</summary>
    public static FlowField Farneback(Image from, Image to, FarnebackOptions? options = null)
    {
        var parameters = (options ?? new FarnebackOptions()).ToNative();
        Image[] pair = [from, to];
        var flow = new FlowField(from.Height, from.Width);
        using (var pinned = new PinnedImages(pair))
            VisionException.Check(NativeMethods.FlowFarneback(pinned.Span, parameters, flow.Data), Context("Farneback", from, to), pair);
        return flow;
    }

    private static string Context(string method, Image from, Image to) =>
        $"{method} flow from {from.Source ?? "an in-memory frame"} to {to.Source ?? "an in-memory frame"}";
}

using System.ComponentModel.DataAnnotations;

namespace MerCluster.Vision;

/// <summary>Farneback optical flow settings (cv::calcOpticalFlowFarneback): OpenCV's tutorial values, a fast alternative to TV-L1.</summary>
public sealed record FarnebackOptions
{
    [Range(0.1, 0.9)] public double PyramidScale { get; init; } = 0.5;
    [Range(1, 10)] public int Levels { get; init; } = 3;
    [Range(3, 101)] public int WindowSize { get; init; } = 15;
    [Range(1, 50)] public int Iterations { get; init; } = 3;

    /// <summary>Neighbourhood of the polynomial expansion: 5 or 7.</summary>
    [Range(5, 7)] public int PolyN { get; init; } = 5;
    [Range(0.5, 3.0)] public double PolySigma { get; init; } = 1.2;

    internal NativeMethods.FarnebackParams ToNative() => new()
    {
        PyramidScale = PyramidScale, PolySigma = PolySigma, Levels = Levels, WindowSize = WindowSize, Iterations = Iterations, PolyN = PolyN,
    };
}

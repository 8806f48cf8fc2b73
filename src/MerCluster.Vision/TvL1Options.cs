using System.ComponentModel.DataAnnotations;

namespace MerCluster.Vision;

/// <summary>
/// TV-L1 optical flow settings (cv::optflow::DualTVL1OpticalFlow). Defaults trade a little accuracy for speed: OpenCV's
/// own defaults (5 scales, 5 warps, 0.8 scale step) take about 0.3 s per 224x224 pair on one core; micro-expression
/// motion between onset and apex is a few pixels at most, so 3 scales with step 0.5 (down to 1/4 size) and 3 warps
/// still capture it while the cost falls below the pipeline's 3 pairs/s budget on 2 cores.
/// </summary>
public sealed record TvL1Options
{
    /// <summary>Time step of the numerical scheme.</summary>
    [Range(0.01, 0.25)] public double Tau { get; init; } = 0.25;

    /// <summary>Weight of the data term (smaller = smoother flow).</summary>
    [Range(0.001, 10.0)] public double Lambda { get; init; } = 0.15;

    /// <summary>Coupling between the two sub-problems.</summary>
    [Range(0.001, 10.0)] public double Theta { get; init; } = 0.3;

    /// <summary>Stopping threshold of the inner iterations.</summary>
    [Range(1e-6, 1.0)] public double Epsilon { get; init; } = 0.01;

    /// <summary>Downscale factor between pyramid scales.</summary>
    [Range(0.1, 0.95)] public double ScaleStep { get; init; } = 0.5;

    [Range(1, 10)] public int Scales { get; init; } = 3;

    /// <summary>Image warpings per scale.</summary>
    [Range(1, 10)] public int Warps { get; init; } = 3;

    [Range(1, 100)] public int InnerIterations { get; init; } = 30;

    [Range(1, 100)] public int OuterIterations { get; init; } = 10;

    /// <summary>Median filter size applied to the flow between warps (odd; 1 = off).</summary>
    [Range(1, 9)] public int MedianFiltering { get; init; } = 5;

    internal NativeMethods.TvL1Params ToNative() => new()
    {
        Tau = Tau, Lambda = Lambda, Theta = Theta, Epsilon = Epsilon, ScaleStep = ScaleStep,
        Scales = Scales, Warps = Warps, InnerIterations = InnerIterations, OuterIterations = OuterIterations, MedianFiltering = MedianFiltering,
    };
}

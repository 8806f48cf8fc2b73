using System.ComponentModel.DataAnnotations;

namespace MerCluster.Vision;

/// <summary>Temporal band-pass of Eulerian magnification.</summary>
public enum TemporalFilter
{
    /// <summary>Keeps the DFT bins inside the band (needs a clip long enough that a bin falls in it).</summary>
    Ideal = 0,

    /// <summary>Difference of two first-order Butterworth low-passes: works on clips of any length.</summary>
    Butterworth = 1,
}

/// <summary>
/// Eulerian video magnification settings. Alpha 10 is MSMMT's best factor; the band, lambda_c and chroma attenuation
/// are the EVM paper's settings for subtle face/body motion (0.4-3 Hz, 16 px, 0.1), with EVM's Butterworth filter.
/// </summary>
public sealed record MagnificationOptions
{
    /// <summary>Amplification: motion in the band becomes about (1 + Alpha) times larger.</summary>
    [Range(0.0, 100.0)] public double Alpha { get; init; } = 10;

    [Range(0.0, 1000.0)] public double LowHz { get; init; } = 0.4;

    [Range(0.001, 1000.0)] public double HighHz { get; init; } = 3.0;

    /// <summary>Laplacian pyramid levels; the finest band and the low-pass residual are never amplified.</summary>
    [Range(2, 10)] public int Levels { get; init; } = 4;

    /// <summary>EVM's spatial cut-off wavelength in pixels: finer levels get less gain so artefacts stay away; 0 = full gain everywhere.</summary>
    [Range(0.0, 10000.0)] public double LambdaC { get; init; } = 16;

    /// <summary>Gain on chrominance relative to luminance for colour clips.</summary>
    [Range(0.0, 1.0)] public double ChromaAttenuation { get; init; } = 0.1;

    public TemporalFilter Filter { get; init; } = TemporalFilter.Butterworth;

    internal NativeMethods.MagnifyParams ToNative(double fps) => new()
    {
        Alpha = Alpha, LowHz = LowHz, HighHz = HighHz, Fps = fps, LambdaC = LambdaC, ChromaAttenuation = ChromaAttenuation,
        Levels = Levels, Filter = (int)Filter,
    };
}

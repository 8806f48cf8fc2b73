using System.ComponentModel.DataAnnotations;

namespace MerCluster.Pipeline;

/// <summary>The model inputs a pipeline can produce; each is one float32 array [C, H, W] per clip.</summary>
public enum PipelineOutput
{
    /// <summary>(u, v, strain) of the onset->apex flow, resized: STSTNet's and MSMMT's motion input.</summary>
    FlowUvs,
    /// <summary>The MJFN 55-hue colour image of the flow, BGR scaled to 0..1.</summary>
    FlowImage,
    /// <summary>Approximate rank pooling over onset..offset, BGR scaled to 0..1: MSMMT's appearance input.</summary>
    DynamicImage,
    /// <summary>Grayscale apex rotated to a level eye line, eyes masked, scaled to 0..1: the MobileViT-SVM input.</summary>
    ApexGray,
    /// <summary>The 9 FRL-DGT AU region crops of the apex, stacked as 27 channels (9 x BGR) scaled to 0..1.</summary>
    AuRegions,
    /// <summary>The aligned onset frame, BGR scaled to 0..1.</summary>
    Onset,
    /// <summary>The aligned apex frame, BGR scaled to 0..1.</summary>
    Apex,
}

public enum FlowMethod
{
    /// <summary>Dual TV-L1 (the seeds' method).</summary>
    TvL1,
    /// <summary>Farneback: about 40 times faster, less accurate; for quick runs.</summary>
    Farneback,
}

/// <summary>
/// A preprocessing pipeline, bound from configs/pipelines/*.yaml with <see cref="Core.Configuration.YamlOptions"/>:
/// detect the face on the onset frame, align every frame by its inner eye corners, optionally magnify, compute the
/// onset->apex flow and strain, and produce the <see cref="Outputs"/> a model needs.
/// </summary>
public sealed record PipelineOptions
{
    /// <summary>Shown in progress output and previews; not part of any cache key (two pipelines share features).</summary>
    [Required]
    public string Name { get; init; } = "custom";

    [MinLength(1)]
    public IReadOnlyList<PipelineOutput> Outputs { get; init; } = [PipelineOutput.FlowUvs];

    /// <summary>OpenCV's worker threads for the process.</summary>
    [Range(1, 256)]
    public int Threads { get; init; } = 2;

    public AlignmentOptions Alignment { get; init; } = new();

    public MagnificationOptions Magnification { get; init; } = new();

    public FlowOptions Flow { get; init; } = new();

    public OutputSizeOptions FlowUvs { get; init; } = new() { Size = 28 };

    public OutputSizeOptions FlowImage { get; init; } = new() { Size = 224 };

    public OutputSizeOptions DynamicImage { get; init; } = new() { Size = 224 };

    public ApexGrayOptions ApexGray { get; init; } = new();

    public OutputSizeOptions AuRegions { get; init; } = new() { Size = 90 };
}

public sealed record AlignmentOptions
{
    /// <summary>Side of the square aligned face every motion feature is computed on.</summary>
    [Range(16, 2048)]
    public int Size { get; init; } = 224;
}

/// <summary>Eulerian video magnification of the aligned onset..offset frames before the flow (MSMMT: factor 10).</summary>
public sealed record MagnificationOptions
{
    public bool Enabled { get; init; }

    [Range(0.0, 1000.0)]
    public double Amplification { get; init; } = 10;

    [Range(1, 8)]
    public int Levels { get; init; } = 4;

    /// <summary>Temporal band in cycles per frame (0 &lt; low &lt; high &lt;= 0.5).</summary>
    [Range(0.0, 0.5)]
    public double LowFrequency { get; init; } = 0.05;

    [Range(0.0, 0.5)]
    public double HighFrequency { get; init; } = 0.4;
}

public sealed record FlowOptions
{
    public FlowMethod Method { get; init; } = FlowMethod.TvL1;
}

public sealed record OutputSizeOptions
{
    [Range(4, 2048)]
    public int Size { get; init; } = 224;
}

public sealed record ApexGrayOptions
{
    [Range(16, 2048)]
    public int Size { get; init; } = 256;

    public bool MaskEyes { get; init; } = true;
}

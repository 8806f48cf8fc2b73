using System.ComponentModel.DataAnnotations;
using MerCluster.Core;
using MerCluster.Core.Configuration;
using MerCluster.Vision;

namespace MerCluster.Pipeline;

/// <summary>The model inputs a pipeline can produce; each is one float32 array [C, H, W] per clip (images, or a table such as <see cref="AuBoxes"/>).</summary>
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
    /// <summary>The 9 FRL-DGT AU boxes from the aligned landmarks, [1, 9, 4] of (x, y, width, height) as fractions of the aligned face.</summary>
    AuBoxes,
    /// <summary>
    /// F aligned frames spread evenly over onset..offset, [3F, size, size] BGR in 0..1 (frame f: channels 3f..3f+2):
    /// what FRL-DGT draws its random self-supervision pairs from and MFVAN pretrains its teacher on.
    /// </summary>
    Frames,
    /// <summary>The aligned frames just before and after the apex (inside onset..offset), [6, size, size] BGR in 0..1: FRL-DGT's apex jitter.</summary>
    ApexNeighbours,
}

public static class PipelineOutputNames
{
    /// <summary>The spelling in pipeline files, file names and JSON: flow_uvs, dynamic_image, ...</summary>
    public static string Key(this PipelineOutput output) => ConfigKeys.ToSnakeCase(output.ToString());
}

public enum FlowMethod
{
    /// <summary>Dual TV-L1 (the seeds' method).</summary>
    TvL1,
    /// <summary>Farneback: about 40 times faster, less accurate; for quick runs.</summary>
    Farneback,
}

/// <summary>Which frame is the apex of an SMIC-HS clip, which annotates none.</summary>
public enum SmicApex
{
    /// <summary>The middle frame of onset..offset (as the dataset loader gives it), the rule most papers use.</summary>
    Middle,
    /// <summary>The frame whose optical flow from the onset has the largest mean magnitude (MJFN, seed 003, section 4.1).</summary>
    MaxFlow,
}

/// <summary>
/// A preprocessing pipeline, bound from configs/pipelines/*.yaml with <see cref="Core.Configuration.YamlOptions"/>:
/// detect the face on the onset frame, align every frame by its inner eye corners, optionally magnify, compute the
/// onset->apex flow and strain, and produce the <see cref="Outputs"/> a model needs.
/// </summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// Loads a pipeline file, or configs/pipelines/NAME.yaml when <paramref name="nameOrPath"/> is not a file
    /// (`--pipeline ststnet`). Errors are <see cref="ConfigException"/>s naming the file, key and line.
    /// </summary>
    public static PipelineOptions Load(string nameOrPath)
    {
        if (File.Exists(nameOrPath) || nameOrPath.Contains('/') || nameOrPath.EndsWith(".yaml", StringComparison.Ordinal))
            return YamlOptions.Load<PipelineOptions>(nameOrPath);
        var folder = Path.Combine(RepositoryPaths.Configs, "pipelines");
        var path = Path.Combine(folder, nameOrPath + ".yaml");
        if (!File.Exists(path))
        {
            string[] known = Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order()] : [];
            throw new ConfigException(path, "", 0, $"no pipeline named '{nameOrPath}'; the pipelines are: {string.Join(", ", known)}");
        }
        return YamlOptions.Load<PipelineOptions>(path);
    }

    /// <summary>Shown in progress output and previews; not part of any cache key (two pipelines share features).</summary>
    [Required]
    public string Name { get; init; } = "custom";

    [MinLength(1)]
    public IReadOnlyList<PipelineOutput> Outputs { get; init; } = [PipelineOutput.FlowUvs];

    /// <summary>OpenCV's worker threads for the process.</summary>
    [Range(1, 256)]
    public int Threads { get; init; } = 2;

    public AlignmentOptions Alignment { get; init; } = new();

    /// <summary>
    /// The apex of SMIC-HS clips: <c>middle</c> (default) or <c>max_flow</c>, found with this pipeline's <see cref="Flow"/>
    /// method over every aligned frame. Clips of other databases keep their annotated apex.
    /// </summary>
    public SmicApex SmicApex { get; init; } = SmicApex.Middle;

    /// <summary>Eulerian magnification of the aligned onset..offset frames before the flow (MSMMT: alpha 10); absent = off.</summary>
    public MagnificationOptions? Magnification { get; init; }

    /// <summary>
    /// The frame rate magnification's temporal band is in for clips of no known database (a frames folder, a clip list,
    /// CK+). A clip of SMIC-HS, CASME II or SAMM is magnified at its database's rate (100, 200, 200 fps) whatever this says.
    /// </summary>
    [Range(1.0, 100_000.0)]
    public double FrameRate { get; init; } = 200;

    public FlowOptions Flow { get; init; } = new();

    public FlowUvsOptions FlowUvs { get; init; } = new();

    /// <summary>The outputs this pipeline min-max scales per sample and channel, with the top of their range (a feature set's <c>min_max</c>).</summary>
    public IReadOnlyDictionary<string, float> MinMaxOutputs() =>
        Outputs.Contains(PipelineOutput.FlowUvs) && FlowUvs.Scale == FlowUvsScale.MinMax
            ? new Dictionary<string, float> { [PipelineOutput.FlowUvs.Key()] = Steps.MinMaxStep.High }
            : new Dictionary<string, float>();

    public OutputSizeOptions FlowImage { get; init; } = new() { Size = 224 };

    public OutputSizeOptions DynamicImage { get; init; } = new() { Size = 224 };

    public ApexGrayOptions ApexGray { get; init; } = new();

    public OutputSizeOptions AuRegions { get; init; } = new() { Size = 90 };

    public FramesOptions Frames { get; init; } = new();
}

public sealed record FramesOptions
{
    /// <summary>Frames per clip (F), spread evenly over onset..offset with both ends included, at the alignment size.</summary>
    [Range(1, 256)]
    public int Count { get; init; } = 8;
}

public sealed record AlignmentOptions
{
    /// <summary>Side of the square aligned face every motion feature is computed on.</summary>
    [Range(16, 2048)]
    public int Size { get; init; } = 224;
}

public sealed record FlowOptions
{
    public FlowMethod Method { get; init; } = FlowMethod.TvL1;

    /// <summary>Used when <see cref="Method"/> is tv_l1.</summary>
    public TvL1Options TvL1 { get; init; } = new();

    /// <summary>Used when <see cref="Method"/> is farneback.</summary>
    public FarnebackOptions Farneback { get; init; } = new();
}

/// <summary>How the (u, v, strain) channels of <see cref="PipelineOutput.FlowUvs"/> are scaled.</summary>
public enum FlowUvsScale
{
    /// <summary>As computed: u and v in pixels of the aligned face, strain unitless (MSMMT).</summary>
    Pixels,
    /// <summary>
    /// Per sample and per channel, min-max to 0..255, the way STSTNet's official code reads its u, v and strain images
    /// (each an 8-bit image normalised on its own); a constant channel becomes 0.
    /// </summary>
    MinMax,
}

public sealed record FlowUvsOptions
{
    [Range(4, 2048)]
    public int Size { get; init; } = 28;

    public FlowUvsScale Scale { get; init; } = FlowUvsScale.Pixels;
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

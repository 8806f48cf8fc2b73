using MerCluster.Core;
using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Clips;
using MerCluster.Pipeline.Steps;
using MerCluster.Vision;

namespace MerCluster.Pipeline;

/// <summary>The features of one clip under one pipeline; values are computed (or read from the cache) on first use.</summary>
public sealed class ClipFeatures
{
    private readonly Clip _clip;

    internal ClipFeatures(Clip clip, FeatureGraph graph, FaceModel faces, PipelineOptions options, IReadOnlyList<FrameFile> span)
    {
        _clip = clip;
        Graph = graph;
        var onset = span[0];
        Face = FaceStep.Of(graph, faces, onset);
        // The one value a plan computes: every apex feature's key depends on which frame is the apex (cached like the rest).
        var apexPosition = options.SmicApex == SmicApex.MaxFlow && clip.Database == DatabaseIds.Smic
            ? (int)Guard(() => MaxFlowApexStep.Of(graph, Face, span, options.Alignment, options.Flow).Value.Data[0])
            : clip.Apex - clip.Onset;
        ApexPosition = apexPosition;
        var apex = span[apexPosition];
        AlignedOnset = AlignStep.Frame(graph, Face, onset, options.Alignment);
        AlignedApex = AlignStep.Frame(graph, Face, apex, options.Alignment);
        AlignedLandmarks = AlignStep.Landmarks(graph, Face, onset, options.Alignment);
        FrameRate = DatabaseIds.FrameRate(clip.Database) ?? options.FrameRate;
        var (motionOnset, motionApex) = (AlignedOnset, AlignedApex);
        if (options.Magnification is { } magnification)
        {
            var run = new Lazy<Image[]>(() => MagnifyStep.Run(Face, span, options.Alignment, magnification, FrameRate));
            motionOnset = MagnifyStep.Frame(graph, Face, span, 0, options.Alignment, magnification, FrameRate, run);
            motionApex = MagnifyStep.Frame(graph, Face, span, apexPosition, options.Alignment, magnification, FrameRate, run);
        }
        Flow = FlowStep.Of(graph, motionOnset, motionApex, options.Flow);
        Outputs = options.Outputs.Distinct().ToDictionary(output => output, output => output switch
        {
            PipelineOutput.FlowUvs => FlowUvsStep.Of(graph, Flow, options.FlowUvs),
            PipelineOutput.FlowImage => FlowImageStep.Of(graph, Flow, options.FlowImage),
            PipelineOutput.DynamicImage => DynamicImageStep.Of(graph, Face, span, options.Alignment, options.DynamicImage),
            PipelineOutput.ApexGray => ApexGrayStep.Of(graph, Face, apex, options.ApexGray),
            PipelineOutput.AuRegions => AuRegionsStep.Of(graph, AlignedApex, AlignedLandmarks, options.AuRegions),
            PipelineOutput.Onset => AlignedImageStep.Of(graph, "onset_input", AlignedOnset),
            PipelineOutput.Apex => AlignedImageStep.Of(graph, "apex_input", AlignedApex),
            PipelineOutput.AuBoxes => AuBoxesStep.Of(graph, AlignedLandmarks, options.Alignment),
            PipelineOutput.Frames => FramesStep.Of(graph, Face, span, options.Alignment, options.Frames),
            PipelineOutput.ApexNeighbours => ApexNeighboursStep.Of(graph, Face, span, apexPosition, options.Alignment),
            _ => throw new ArgumentOutOfRangeException(nameof(options), output, "unknown pipeline output"),
        });
    }

    public string ClipName => _clip.Name;

    public FeatureGraph Graph { get; }

    /// <summary>The apex's position within onset..offset: the clip's, or for SMIC-HS under <c>smic_apex: max_flow</c> the frame of largest flow.</summary>
    public int ApexPosition { get; }

    /// <summary>The rate the clip was recorded at, which magnification filters in: its database's, else the pipeline's <c>frame_rate</c>.</summary>
    public double FrameRate { get; }

    /// <summary>Onset face box and landmarks [140].</summary>
    public Feature<float> Face { get; }

    public Feature<byte> AlignedOnset { get; }

    public Feature<byte> AlignedApex { get; }

    /// <summary>Onset landmarks in aligned coordinates [68, 2].</summary>
    public Feature<float> AlignedLandmarks { get; }

    /// <summary>Onset->apex flow [size, size, 2] (of the magnified frames when the pipeline magnifies).</summary>
    public Feature<float> Flow { get; }

    /// <summary>The model inputs the pipeline asks for, each [C, H, W] float32.</summary>
    public IReadOnlyDictionary<PipelineOutput, Feature<float>> Outputs { get; }

    /// <summary>
    /// The value of <paramref name="output"/>; any failure (unreadable frame, no face, frames of different sizes) is a
    /// <see cref="PreprocessingException"/> naming the clip and the file.
    /// </summary>
    public NdArray<float> Compute(PipelineOutput output) => Guard(() => Outputs[output].Value);

    /// <summary>Runs <paramref name="step"/> on this clip, turning vision and file errors into errors naming the clip.</summary>
    public T Guard<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is VisionException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new PreprocessingException(_clip.Name, e.Message, e);
        }
    }
}

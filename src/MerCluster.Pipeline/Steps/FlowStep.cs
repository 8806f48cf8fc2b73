using MerCluster.Core.Arrays;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>Dense optical flow from the (aligned, maybe magnified) onset to the apex, [size, size, 2] in pixels.</summary>
public static class FlowStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<byte> onset, Feature<byte> apex, FlowOptions options)
        => graph.Node("flow", 1, Parameters(options), [onset.Key, apex.Key], () => Tensors.FromFlow(
            Compute(Tensors.ToImage(onset.Value, "aligned onset"), Tensors.ToImage(apex.Value, "aligned apex"), options)));

    /// <summary>What of <paramref name="options"/> enters a key: only the chosen method's settings, so tuning the other method never invalidates a flow.</summary>
    public static object Parameters(FlowOptions options) => options.Method == FlowMethod.TvL1
        ? new { method = options.Method, options.TvL1 }
        : new { method = options.Method, options.Farneback };

    /// <summary>The flow from <paramref name="from"/> to <paramref name="to"/> by the method <paramref name="options"/> chooses.</summary>
    public static FlowField Compute(Image from, Image to, FlowOptions options) => NativeClock.Time(() => options.Method == FlowMethod.TvL1
        ? OpticalFlow.TvL1(from, to, options.TvL1)
        : OpticalFlow.Farneback(from, to, options.Farneback));

    /// <summary>Optical strain magnitude of a flow, [H, W].</summary>
    public static ScalarField Strain(NdArray<float> flow) => NativeClock.Time(() => OpticalStrain.Compute(Tensors.ToFlow(flow)));
}

using MerCluster.Core.Arrays;
using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>Dense optical flow from the (aligned, maybe magnified) onset to the apex, [size, size, 2] in pixels.</summary>
public static class FlowStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<byte> onset, Feature<byte> apex, FlowOptions options)
    {
        // Only the chosen method's settings enter the key, so tuning the other method never invalidates this flow.
        object parameters = options.Method == FlowMethod.TvL1
            ? new { method = options.Method, options.TvL1 }
            : new { method = options.Method, options.Farneback };
        return graph.Node("flow", 1, parameters, [onset.Key, apex.Key], () =>
        {
            var from = Tensors.ToImage(onset.Value, "aligned onset");
            var to = Tensors.ToImage(apex.Value, "aligned apex");
            var flow = NativeClock.Time(() => options.Method == FlowMethod.TvL1
                ? OpticalFlow.TvL1(from, to, options.TvL1)
                : OpticalFlow.Farneback(from, to, options.Farneback));
            return Tensors.FromFlow(flow);
        });
    }

    /// <summary>Optical strain magnitude of a flow, [H, W].</summary>
    public static ScalarField Strain(NdArray<float> flow) => NativeClock.Time(() => OpticalStrain.Compute(Tensors.ToFlow(flow)));
}

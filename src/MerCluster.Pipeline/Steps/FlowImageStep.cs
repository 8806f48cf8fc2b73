using MerCluster.Vision;

namespace MerCluster.Pipeline.Steps;

/// <summary>MJFN's input: the flow's 55-hue Middlebury colour image, resized, [3, size, size] BGR in 0..1.</summary>
public static class FlowImageStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> flow, OutputSizeOptions options)
        => graph.Node("flow_image", 1, options, [flow.Key], () =>
        {
            var field = Tensors.ToFlow(flow.Value);
            var colour = NativeClock.Time(() => FlowColor.Render(field).Resized(options.Size, options.Size));
            return Tensors.ToChannelsFirst(colour);
        });
}

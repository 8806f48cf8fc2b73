using MerCluster.Core.Arrays;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// MJFN's apex for SMIC-HS, which annotates none (seed 003, section 4.1): the frame of onset..offset whose optical flow
/// from the onset has the largest mean magnitude over the aligned face. [1]: its position within the span (never 0, the
/// onset itself; the earliest frame wins a tie).
/// </summary>
public static class MaxFlowApexStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> face, IReadOnlyList<FrameFile> span, AlignmentOptions alignment, FlowOptions flow)
        => graph.Node("max_flow_apex", 1, new { alignment, flow = FlowStep.Parameters(flow) }, [face.Key, .. span.Select(f => f.Key)], () =>
        {
            var aligned = AlignStep.Span(face, span, alignment);
            var magnitudes = aligned.Skip(1).Select(frame => MeanMagnitude(FlowStep.Compute(aligned[0], frame, flow).Data)).ToList();
            return new NdArray<float>([1], [1 + magnitudes.IndexOf(magnitudes.Max())]);
        });

    /// <summary>Mean of sqrt(u^2 + v^2) over a flow's interleaved (u, v) pairs.</summary>
    public static double MeanMagnitude(float[] flow)
    {
        double sum = 0;
        for (var i = 0; i < flow.Length; i += 2)
            sum += Math.Sqrt((double)flow[i] * flow[i] + (double)flow[i + 1] * flow[i + 1]);
        return sum / (flow.Length / 2);
    }
}

using MerCluster.Core.Arrays;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// STSTNet's and MSMMT's motion input: channels (u, v, strain) resized to size x size (area averaging), [3, size, size].
/// Vectors keep their values in pixels of the aligned face; <see cref="FlowUvsScale.MinMax"/> rescales them in a
/// <see cref="MinMaxStep"/> of its own, so this feature (and its key) is the same whatever the scale.
/// </summary>
public static class FlowUvsStep
{
    public static Feature<float> Of(FeatureGraph graph, Feature<float> flow, FlowUvsOptions options)
    {
        var uvs = Uvs(graph, flow, new OutputSizeOptions { Size = options.Size });
        return options.Scale == FlowUvsScale.MinMax ? MinMaxStep.Of(graph, uvs) : uvs;
    }

    private static Feature<float> Uvs(FeatureGraph graph, Feature<float> flow, OutputSizeOptions options)
        => graph.Node("flow_uvs", 1, options, [flow.Key], () =>
        {
            var field = Tensors.ToFlow(flow.Value);
            var strain = FlowStep.Strain(flow.Value);
            var size = options.Size;
            var small = NativeClock.Time(() => field.Resized(size, size));
            var smallStrain = NativeClock.Time(() => strain.Resized(size, size));
            var plane = size * size;
            var data = new float[3 * plane];
            for (var p = 0; p < plane; p++)
            {
                data[p] = small.Data[2 * p];
                data[plane + p] = small.Data[2 * p + 1];
            }
            smallStrain.Data.CopyTo(data, 2 * plane);
            return new NdArray<float>([3, size, size], data);
        });
}

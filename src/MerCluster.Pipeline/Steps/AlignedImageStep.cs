namespace MerCluster.Pipeline.Steps;

/// <summary>An aligned frame as a model input (onset, apex: FRL-DGT and MFVAN), [3, size, size] BGR in 0..1.</summary>
public static class AlignedImageStep
{
    public static Feature<float> Of(FeatureGraph graph, string name, Feature<byte> aligned)
        => graph.Node(name, 1, null, [aligned.Key], () => AlignStep.ChannelsFirst(aligned));
}

using MerCluster.Core.Features;

namespace MerCluster.Core.Metrics;

/// <summary>A held-out sample's prediction as a fold reports it: <see cref="Probabilities"/> in the feature set's class order.</summary>
public sealed record SamplePrediction(string SampleId, string Subject, string Database, string Label, string Predicted, IReadOnlyList<double> Probabilities)
{
    /// <summary>The prediction of <paramref name="sample"/> from its class scores: the predicted class is the highest-scoring one (the first on ties).</summary>
    public static SamplePrediction Of(FeatureSample sample, IReadOnlyList<string> classes, IReadOnlyList<float> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Count; i++)
            if (scores[i] > scores[best])
                best = i;
        return new SamplePrediction(sample.SampleId, sample.Subject, sample.Database, sample.Label, classes[best], scores.Select(s => (double)s).ToArray());
    }
}

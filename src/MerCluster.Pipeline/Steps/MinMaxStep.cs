using MerCluster.Core.Arrays;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// Scales each channel of a [C, H, W] feature on its own from its min..max to 0..<see cref="High"/>: STSTNet's input
/// scaling (its official code reads per-image normalised 8-bit u, v and strain images). A constant channel carries no
/// contrast and becomes 0 rather than 0/0.
/// </summary>
public static class MinMaxStep
{
    public const float High = 255f;

    public static Feature<float> Of(FeatureGraph graph, Feature<float> input)
        => graph.Node("min_max", 1, new { High }, [input.Key], () => Scale(input.Value));

    public static NdArray<float> Scale(NdArray<float> value)
    {
        if (value.Shape is not [var channels, var height, var width])
            throw new ArgumentException($"min-max scaling takes [C, H, W], got [{string.Join(", ", value.Shape)}]");
        var plane = height * width;
        var result = new float[value.Data.Length];
        for (var c = 0; c < channels; c++)
        {
            var source = value.Data.AsSpan(c * plane, plane);
            var target = result.AsSpan(c * plane, plane);
            var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
            foreach (var x in source)
                (min, max) = (MathF.Min(min, x), MathF.Max(max, x));
            var range = max - min;
            if (!(range > 0f) || !float.IsFinite(range))
                continue;
            for (var p = 0; p < plane; p++)
                target[p] = (source[p] - min) / range * High;
        }
        return new NdArray<float>([channels, height, width], result);
    }
}

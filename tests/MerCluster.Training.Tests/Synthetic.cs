using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

namespace MerCluster.Training.Tests;

/// <summary>Small feature sets whose classes a model can tell apart, for fast training tests.</summary>
internal static class Synthetic
{
    public static readonly string[] Classes = ["negative", "positive", "surprise"];

    /// <summary>
    /// <paramref name="perSubject"/> samples per subject over <paramref name="subjects"/> subjects; class k brightens
    /// the k-th third of the image's rows, plus noise, so the classes are trivially separable.
    /// </summary>
    public static FeatureSet Separable(int subjects, int perSubject, int channels = 3, int size = 28, int seed = 7, string input = "flow_uvs", string database = "casme2")
    {
        var random = new Random(seed);
        var n = subjects * perSubject;
        var data = new float[(long)n * channels * size * size];
        var samples = new List<FeatureSample>();
        for (var i = 0; i < n; i++)
        {
            var label = i % Classes.Length;
            var subject = $"{database}/sub{i / perSubject + 1:00}";
            samples.Add(new FeatureSample($"{subject}/EP{i:000}", subject, database, Classes[label]));
            for (var c = 0; c < channels; c++)
                for (var y = 0; y < size; y++)
                    for (var x = 0; x < size; x++)
                    {
                        var signal = y * Classes.Length / size == label ? 1f : 0f;
                        data[(((long)i * channels + c) * size + y) * size + x] = signal + 0.3f * (float)(random.NextDouble() - 0.5);
                    }
        }
        return new FeatureSet(Classes, samples, [KeyValuePair.Create(input, new NdArray<float>([n, channels, size, size], data))]);
    }

    public static ModelOptions Ststnet(double dropout = 0.5) =>
        new() { Name = "ststnet", Settings = new Dictionary<string, string> { ["dropout"] = dropout.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    public static TrainOptions Fast(int epochs = 3, int batch = 16, double learningRate = 1e-3, long seed = 3) =>
        new() { Epochs = epochs, BatchSize = batch, LearningRate = learningRate, Seed = seed, Threads = 1 };
}

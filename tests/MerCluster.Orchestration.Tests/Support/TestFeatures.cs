using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

namespace MerCluster.Orchestration.Tests.Support;

/// <summary>A small composite-shaped feature set on disk: a few subjects of each database, a few samples each, tiny inputs.</summary>
public static class TestFeatures
{
    public static readonly string[] Classes = ["negative", "positive", "surprise"];

    public static FeatureSet Build(int subjectsPerDatabase = 2, int samplesPerSubject = 3)
    {
        var samples = new List<FeatureSample>();
        foreach (var database in new[] { "smic", "casme2", "samm" })
            for (var s = 1; s <= subjectsPerDatabase; s++)
                for (var c = 0; c < samplesPerSubject; c++)
                {
                    var subject = $"{database}/s{s}";
                    samples.Add(new FeatureSample($"{subject}/clip{c}", subject, database, Classes[c % Classes.Length]));
                }
        var data = new float[samples.Count * 3 * 4 * 4];
        for (var i = 0; i < data.Length; i++)
            data[i] = i % 7 * 0.1f;
        return new FeatureSet(Classes, samples, [KeyValuePair.Create("flow", new NdArray<float>([samples.Count, 3, 4, 4], data))]);
    }

    /// <summary>Writes the feature set and a no-op sweep file over it into <paramref name="directory"/>; returns the sweep file's path.</summary>
    public static string WriteNoopSweep(string directory, string name, string model, string extra = "", int subjectsPerDatabase = 2, int samplesPerSubject = 3)
    {
        Build(subjectsPerDatabase, samplesPerSubject).Write(Path.Combine(directory, "features"));
        var path = Path.Combine(directory, $"{name}.yaml");
        File.WriteAllText(path, $"""
            name: {name}
            features: features
            model: {model}
            {extra}
            """);
        return path;
    }
}

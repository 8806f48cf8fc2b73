using System.Text.Json.Serialization;

namespace MerCluster.Datasets.Manifests;

/// <summary>A clip with the class the manifest's class set gives it.</summary>
public sealed record ManifestSample(Clip Clip, string Label)
{
    [JsonIgnore]
    public string SampleId => Clip.SampleId;

    [JsonIgnore]
    public string Subject => Clip.Subject;

    [JsonIgnore]
    public string Database => Clip.Database;
}

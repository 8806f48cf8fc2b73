using MerCluster.Core;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MerCluster.Datasets.Manifests;

/// <summary>
/// The dataset a sweep runs on: every sample's database, subject, class, onset/apex/offset and frame files, the samples
/// left out with their reasons, and a content hash that changes whenever any sample's content does.
/// </summary>
public sealed record Manifest
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>The class set the labels come from, e.g. <c>megc2019-3class</c>.</summary>
    public required string ClassSet { get; init; }

    /// <summary>Class names in index order.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Database id -> absolute root its frame paths are relative to.</summary>
    public required IReadOnlyDictionary<string, string> Roots { get; init; }

    public required IReadOnlyList<ManifestSample> Samples { get; init; }

    public required IReadOnlyList<ExcludedSample> Excluded { get; init; }

    /// <summary>SHA-256 (hex) of the classes and samples (not the roots: moving the data keeps the hash). Computed on each
    /// read, never cached, so a copy made with <c>with</c> cannot carry a stale hash.</summary>
    [JsonIgnore]
    public string Hash => ComputeHash();

    /// <summary>The absolute path of one of <paramref name="sample"/>'s frame files.</summary>
    public string Resolve(ManifestSample sample, string relativeFrame) =>
        Roots.TryGetValue(sample.Database, out var root)
            ? ManifestPaths.Resolve(root, relativeFrame, sample.SampleId)
            : throw new DatasetException($"{sample.SampleId}: the manifest has no root for database '{sample.Database}'");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a manifest written by <see cref="ToJson"/>, rejecting any frame path that could leave its root.</summary>
    public static Manifest FromJson(string json, string source)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(json, Json);
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{source}: not a manifest: {e.Message}", e);
        }
        if (manifest is null)
            throw new DatasetException($"{source}: empty manifest");
        manifest.Validate(source);
        return manifest;
    }

    public void Write(string path) => File.WriteAllText(path, ToJson());

    public static Manifest Read(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>Checks every frame path and label; the message names <paramref name="source"/> and the sample.</summary>
    public void Validate(string source)
    {
        var seen = new HashSet<string>();
        foreach (var sample in Samples)
        {
            var context = $"{source}: {sample.SampleId}";
            if (!seen.Add(sample.SampleId))
                throw new DatasetException($"{context}: listed twice");
            if (!Classes.Contains(sample.Label))
                throw new DatasetException($"{context}: label '{sample.Label}' is not one of {string.Join(", ", Classes)}");
            if (sample.Clip.Frames.Count != sample.Clip.Offset - sample.Clip.Onset + 1)
                throw new DatasetException($"{context}: {sample.Clip.Frames.Count} frame files for onset..offset {sample.Clip.Onset}..{sample.Clip.Offset}");
            if (sample.Clip.Apex < sample.Clip.Onset || sample.Clip.Apex > sample.Clip.Offset)
                throw new DatasetException($"{context}: apex {sample.Clip.Apex} outside onset..offset {sample.Clip.Onset}..{sample.Clip.Offset}");
            foreach (var frame in sample.Clip.Frames)
                ManifestPaths.Check(frame, context);
        }
    }

    private string ComputeHash()
    {
        var content = JsonSerializer.SerializeToUtf8Bytes(new { Classes, Samples }, Json);
        return ContentHash.Of(content);
    }
}

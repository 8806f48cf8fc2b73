using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MerCluster.Core.Arrays;

namespace MerCluster.Core.Features;

/// <summary>One row of samples.csv: which clip a feature row belongs to and its class name.</summary>
public sealed record FeatureSample(string SampleId, string Subject, string Database, string Label);

/// <summary>
/// The features a model trains on, as one directory: featureset.json (classes and inputs with per-sample shape [C,H,W]),
/// samples.csv (sample_id,subject,database,label; rows in array order) and one float32 .npy of shape [N,C,H,W] per input.
/// Inputs keep the order of featureset.json, which is the order a multi-input model receives them in. An input whose
/// entry has <c>min_max: HIGH</c> holds every sample's channels min-max scaled on their own to 0..HIGH (STSTNet's 8-bit
/// u, v and strain images): its values are no longer vectors in pixels, which a geometric augmentation must know.
/// </summary>
public sealed class FeatureSet
{
    public const string ManifestFile = "featureset.json";
    public const string SamplesFile = "samples.csv";
    private const string SamplesHeader = "sample_id,subject,database,label";

    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<FeatureSample> Samples { get; }
    public IReadOnlyDictionary<string, NdArray<float>> Inputs { get; }

    /// <summary>The inputs min-max scaled per sample and channel, with the top of their range (0..HIGH).</summary>
    public IReadOnlyDictionary<string, float> MinMax { get; }

    /// <summary>Checks that every label is a class and every input holds one [C,H,W] row per sample.</summary>
    public FeatureSet(IReadOnlyList<string> classes, IReadOnlyList<FeatureSample> samples,
        IEnumerable<KeyValuePair<string, NdArray<float>>> inputs, string source = "feature set",
        IReadOnlyDictionary<string, float>? minMax = null)
    {
        if (classes.Count == 0)
            throw new InvalidDataException($"{source}: no classes");
        if (classes.Distinct().Count() != classes.Count)
            throw new InvalidDataException($"{source}: duplicate class in [{string.Join(", ", classes)}]");
        foreach (var sample in samples)
            if (!classes.Contains(sample.Label))
                throw new InvalidDataException(
                    $"{source}: sample {sample.SampleId} has label '{sample.Label}', not one of [{string.Join(", ", classes)}]");
        var ordered = new OrderedDictionary<string, NdArray<float>>();
        foreach (var (name, array) in inputs)
        {
            if (array.Shape.Length != 4)
                throw new InvalidDataException($"{source}: input '{name}' has shape ({string.Join(", ", array.Shape)}), expected [N,C,H,W]");
            if (array.Shape[0] != samples.Count)
                throw new InvalidDataException($"{source}: input '{name}' has {array.Shape[0]} rows for {samples.Count} samples");
            if (!ordered.TryAdd(name, array))
                throw new InvalidDataException($"{source}: input '{name}' appears twice");
        }
        if (ordered.Count == 0)
            throw new InvalidDataException($"{source}: no inputs");
        minMax ??= new Dictionary<string, float>();
        foreach (var (name, high) in minMax)
        {
            if (!ordered.ContainsKey(name))
                throw new InvalidDataException($"{source}: min_max names input '{name}', which it does not have");
            if (!(high > 0) || !float.IsFinite(high))
                throw new InvalidDataException($"{source}: input '{name}' has min_max {high}, expected a positive number");
        }
        MinMax = new Dictionary<string, float>(minMax);
        Classes = classes.ToArray();
        Samples = samples.ToArray();
        Inputs = ordered;
    }

    public int Count => Samples.Count;

    /// <summary>The per-sample shape [C,H,W] of an input.</summary>
    public int[] SampleShape(string input) => Inputs[input].Shape[1..];

    /// <summary>The class index of every sample, in Classes order.</summary>
    public long[] LabelIndices()
    {
        var index = Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
        return Samples.Select(s => index[s.Label]).ToArray();
    }

    /// <summary>The samples for which <paramref name="keep"/> holds, with their rows of every input, in the original order.</summary>
    public FeatureSet Where(Func<FeatureSample, bool> keep) => Rows(Enumerable.Range(0, Count).Where(i => keep(Samples[i])).ToArray());

    /// <summary>The samples at <paramref name="rows"/> (e.g. a protocol fold's train or test rows), in that order.</summary>
    public FeatureSet Rows(IReadOnlyList<int> rows)
    {
        var inputs = Inputs.Select(pair =>
        {
            var rowLength = (int)NdArray<float>.ElementCount(pair.Value.Shape[1..]);
            var data = new float[(long)rows.Count * rowLength];
            for (var r = 0; r < rows.Count; r++)
                Array.Copy(pair.Value.Data, (long)rows[r] * rowLength, data, (long)r * rowLength, rowLength);
            return KeyValuePair.Create(pair.Key, new NdArray<float>([rows.Count, .. pair.Value.Shape[1..]], data));
        });
        return new FeatureSet(Classes, rows.Select(i => Samples[i]).ToArray(), inputs.ToList(), minMax: MinMax);
    }

    public static FeatureSet Read(string directory)
    {
        var manifestPath = Path.Combine(directory, ManifestFile);
        if (!File.Exists(manifestPath))
            throw new FileNotFoundException($"{manifestPath} is missing: not a feature set directory", manifestPath);
        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllText(manifestPath), ManifestJson.Default.Manifest)
                ?? throw new InvalidDataException($"{manifestPath}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{manifestPath}: {e.Message}", e);
        }
        if (manifest.Classes is null)
            throw new InvalidDataException($"{manifestPath}: missing key 'classes'");
        if (manifest.Inputs is null)
            throw new InvalidDataException($"{manifestPath}: missing key 'inputs'");

        var samples = ReadSamples(Path.Combine(directory, SamplesFile));
        var inputs = new List<KeyValuePair<string, NdArray<float>>>();
        var minMax = new Dictionary<string, float>();
        for (var i = 0; i < manifest.Inputs.Count; i++)
        {
            var entry = manifest.Inputs[i];
            if (string.IsNullOrEmpty(entry.Name) || string.IsNullOrEmpty(entry.File) || entry.Shape is not { Length: 3 })
                throw new InvalidDataException($"{manifestPath}: inputs[{i}] needs 'name', 'file' and a 3-element 'shape' [C,H,W]");
            var path = Path.Combine(directory, entry.File);
            var array = Npy.Read<float>(path);
            if (array.Shape.Length != 4 || !array.Shape[1..].SequenceEqual(entry.Shape))
                throw new InvalidDataException(
                    $"{path}: shape ({string.Join(", ", array.Shape)}) does not match inputs[{i}].shape [N, {string.Join(", ", entry.Shape)}] of {manifestPath}");
            inputs.Add(KeyValuePair.Create(entry.Name, array));
            if (entry.MinMax is { } high)
                minMax[entry.Name] = high;
        }
        return new FeatureSet(manifest.Classes, samples, inputs, directory, minMax);
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var entries = Inputs.Select(p => new ManifestInput(p.Key, $"{p.Key}.npy", p.Value.Shape[1..],
            MinMax.TryGetValue(p.Key, out var high) ? high : null)).ToList();
        foreach (var entry in entries)
            Npy.Write(Path.Combine(directory, entry.File!), Inputs[entry.Name!]);
        var csv = new StringBuilder().Append(SamplesHeader).Append('\n');
        foreach (var s in Samples)
            csv.Append(CsvField(s.SampleId)).Append(',').Append(CsvField(s.Subject)).Append(',')
               .Append(CsvField(s.Database)).Append(',').Append(CsvField(s.Label)).Append('\n');
        File.WriteAllText(Path.Combine(directory, SamplesFile), csv.ToString());
        // The manifest goes last: a directory with a manifest is a complete feature set.
        File.WriteAllText(Path.Combine(directory, ManifestFile),
            JsonSerializer.Serialize(new Manifest(Classes.ToList(), entries), ManifestJson.Default.Manifest));
    }

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value
            : throw new InvalidDataException($"'{value}' cannot be written to {SamplesFile}: identifiers must not contain commas, quotes or line breaks");

    private static List<FeatureSample> ReadSamples(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != SamplesHeader)
            throw new InvalidDataException($"{path}: header must be '{SamplesHeader}'");
        var samples = new List<FeatureSample>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var fields = lines[i].Split(',');
            if (fields.Length != 4)
                throw new InvalidDataException($"{path}:{i + 1}: expected 4 fields, found {fields.Length}");
            samples.Add(new FeatureSample(fields[0], fields[1], fields[2], fields[3]));
        }
        return samples;
    }

    internal sealed record ManifestInput(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("file")] string? File,
        [property: JsonPropertyName("shape")] int[]? Shape,
        [property: JsonPropertyName("min_max"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? MinMax = null);

    internal sealed record Manifest(
        [property: JsonPropertyName("classes")] List<string>? Classes,
        [property: JsonPropertyName("inputs")] List<ManifestInput>? Inputs);
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(FeatureSet.Manifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;

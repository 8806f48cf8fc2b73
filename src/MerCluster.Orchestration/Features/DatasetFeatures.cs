using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Datasets;
using MerCluster.Datasets.Manifests;
using MerCluster.Pipeline;
using MerCluster.Pipeline.Cache;
using MerCluster.Vision;
using PipelineClip = MerCluster.Pipeline.Clips.Clip;

namespace MerCluster.Orchestration.Features;

/// <summary>
/// A dataset's features under one pipeline, as the feature-set directory the folds train on: every manifest sample
/// preprocessed through the content-addressed feature cache (each clip's features computed once, whatever the number of
/// folds and grid points), stacked per pipeline output. The directory is named by the manifest's hash and the
/// pipeline's parameters, so it is built once per (dataset, pipeline) and found again by every later sweep.
/// A sample that cannot be preprocessed (no face, missing frame) is reported and left out; the rest go on.
/// </summary>
public static class DatasetFeatures
{
    public sealed record Outcome(string Directory, bool Built, IReadOnlyList<string> Skipped);

    /// <summary>Where the feature set of <paramref name="manifest"/> under <paramref name="pipeline"/> lives below <paramref name="cacheRoot"/>.</summary>
    public static string DirectoryFor(string cacheRoot, Manifest manifest, PipelineOptions pipeline)
    {
        var parameters = CanonicalJson.Serialize(pipeline with { Name = "", Threads = 0 });
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.Hash + "\n" + parameters)))[..16];
        return Path.Combine(cacheRoot, "featuresets", $"{pipeline.Name}-{hash}");
    }

    /// <summary>Builds the feature set unless it exists; <paramref name="progress"/> hears (done, total) after each sample.</summary>
    public static Outcome Ensure(Manifest manifest, PipelineOptions pipeline, string cacheRoot, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var directory = DirectoryFor(cacheRoot, manifest, pipeline);
        var skippedFile = Path.Combine(directory, "skipped.txt");
        if (File.Exists(Path.Combine(directory, FeatureSet.ManifestFile)))
            return new Outcome(directory, false, File.Exists(skippedFile) ? File.ReadAllLines(skippedFile) : []);

        var (rows, skipped) = Preprocess(manifest, pipeline, cacheRoot, Enumerable.Range(0, manifest.Samples.Count).ToList(), progress, cancellationToken);

        var kept = Enumerable.Range(0, rows.Length).Where(i => rows[i] is not null).ToList();
        if (kept.Count == 0)
            throw new InvalidDataException($"no sample of the manifest could be preprocessed; first error: {skipped.FirstOrDefault()}");
        var samples = kept.Select(i => manifest.Samples[i]).Select(s => new FeatureSample(s.SampleId, s.Subject, s.Database, s.Label)).ToList();
        var inputs = pipeline.Outputs.Select((output, o) => KeyValuePair.Create(output.Key(), Stack(kept.Select(i => rows[i]![o]).ToList()))).ToList();
        var featureSet = new FeatureSet(manifest.Classes, samples, inputs, $"{manifest.ClassSet} under pipeline {pipeline.Name}");

        // Written beside the final directory and renamed into place, so a reader never sees half a feature set.
        var staging = directory + $".partial-{Environment.ProcessId}";
        featureSet.Write(staging);
        File.WriteAllLines(Path.Combine(staging, "skipped.txt"), skipped);
        try
        {
            Directory.Move(staging, directory);
        }
        catch (IOException) when (File.Exists(Path.Combine(directory, FeatureSet.ManifestFile)))
        {
            // Another process built the same feature set meanwhile: same inputs, same content.
            Directory.Delete(staging, recursive: true);
        }
        return new Outcome(directory, true, skipped);
    }

    /// <summary>
    /// Preprocesses the samples at <paramref name="indexes"/> through the feature cache under <paramref name="cacheRoot"/>:
    /// their rows (null where a sample was left out, in manifest order over all samples) and why each left-out one was.
    /// A silo computing a shard of a feature set calls this for its share; what it computes is then in the cache.
    /// </summary>
    public static (NdArray<float>[]?[] Rows, IReadOnlyList<string> Skipped) Preprocess(Manifest manifest, PipelineOptions pipeline, string cacheRoot,
        IReadOnlyList<int> indexes, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        using var faces = FaceModel.Load();
        var preprocessor = new Preprocessor(pipeline, FeatureCache.OnDisk(Path.Combine(cacheRoot, "features")), faces);
        var rows = new NdArray<float>[]?[manifest.Samples.Count];
        var skipped = new ConcurrentBag<string>();
        var done = 0;
        Parallel.ForEach(indexes, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, pipeline.Threads), CancellationToken = cancellationToken }, i =>
        {
            var sample = manifest.Samples[i];
            try
            {
                var features = preprocessor.Plan(ClipOf(manifest, sample));
                rows[i] = pipeline.Outputs.Select(features.Compute).ToArray();
            }
            catch (Exception e) when (e is PreprocessingException or DatasetException or IOException or VisionException)
            {
                skipped.Add($"{sample.SampleId}: {e.Message}");
            }
            progress?.Invoke(Interlocked.Increment(ref done), indexes.Count);
        });
        return (rows, skipped.Order().ToList());
    }

    /// <summary>The manifest's clip as the pipeline takes it: absolute frame paths and positions within the onset..offset span.</summary>
    private static PipelineClip ClipOf(Manifest manifest, ManifestSample sample)
    {
        var clip = sample.Clip;
        var frames = clip.Frames.Select(frame => manifest.Resolve(sample, frame)).ToList();
        return new PipelineClip(sample.SampleId, frames, 0, clip.Apex - clip.Onset, clip.Offset - clip.Onset);
    }

    private static NdArray<float> Stack(IReadOnlyList<NdArray<float>> rows)
    {
        var shape = rows[0].Shape;
        var length = rows[0].Data.Length;
        var data = new float[(long)rows.Count * length];
        for (var r = 0; r < rows.Count; r++)
        {
            if (!rows[r].Shape.SequenceEqual(shape))
                throw new InvalidDataException($"feature row {r} has shape ({string.Join(", ", rows[r].Shape)}), the first ({string.Join(", ", shape)})");
            Array.Copy(rows[r].Data, 0, data, (long)r * length, length);
        }
        return new NdArray<float>([rows.Count, .. shape], data);
    }
}

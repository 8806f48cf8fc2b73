using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MerCluster.Artifacts;
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
/// folds and grid points), stacked per pipeline output, stored in the silos' artifact store. It is named by the
/// manifest's hash and the pipeline's parameters, so it is built once per (dataset, pipeline) and found again by every later sweep.
/// A sample that cannot be preprocessed (no face, missing frame) is reported and left out; the rest go on.
/// </summary>
public static class DatasetFeatures
{
    /// <summary>The feature set's reference (<see cref="SiloArtifacts.Reference"/>: a folder or an azblob URL), whether this call built it, the samples left out, and the bytes it stored.</summary>
    public sealed record Outcome(string Reference, bool Built, IReadOnlyList<string> Skipped, long Bytes = 0);

    /// <summary>
    /// Bumped when preprocessing changes in a way the pipeline's parameters do not show, so feature sets built before are
    /// not found again (2: each clip magnified at its database's frame rate, not the pipeline's; 3: featureset.json
    /// marks min-max scaled inputs).
    /// </summary>
    private const int Revision = 3;

    /// <summary>The name of the feature set of <paramref name="manifest"/> under <paramref name="pipeline"/>: the pipeline's name and a hash of the manifest, the pipeline's parameters and <see cref="Revision"/>.</summary>
    public static string NameFor(Manifest manifest, PipelineOptions pipeline)
    {
        var parameters = CanonicalJson.Serialize(pipeline with { Name = "", Threads = 0 });
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{manifest.Hash}\n{parameters}\n{Revision}")))[..16];
        return $"{pipeline.Name}-{hash}";
    }

    /// <summary>Builds the feature set unless it is in the store; <paramref name="progress"/> hears (done, total) after each sample.</summary>
    public static Outcome Ensure(Manifest manifest, PipelineOptions pipeline, SiloArtifacts artifacts, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var name = NameFor(manifest, pipeline);
        if (artifacts.TryFindFeatureSet(name, out var found))
            return new Outcome(artifacts.Reference(name), false, found);

        var (rows, skipped) = Preprocess(manifest, pipeline, artifacts, Enumerable.Range(0, manifest.Samples.Count).ToList(), progress, cancellationToken);

        var kept = Enumerable.Range(0, rows.Length).Where(i => rows[i] is not null).ToList();
        if (kept.Count == 0)
            throw new InvalidDataException($"no sample of the manifest could be preprocessed; first error: {skipped.FirstOrDefault()}");
        var samples = kept.Select(i => manifest.Samples[i]).Select(s => new FeatureSample(s.SampleId, s.Subject, s.Database, s.Label)).ToList();
        var inputs = pipeline.Outputs.Select((output, o) => KeyValuePair.Create(output.Key(), Stack(kept.Select(i => rows[i]![o]).ToList()))).ToList();
        var featureSet = new FeatureSet(manifest.Classes, samples, inputs, $"{manifest.ClassSet} under pipeline {pipeline.Name}", pipeline.MinMaxOutputs());

        // Written on this silo's disk, then stored file by file with the manifest last, so a reader never sees half a
        // feature set. What an unfinished or damaged earlier attempt left goes first (no manifest: not a feature set).
        var staging = artifacts.Scratch($"{ArtifactLayout.FeatureSets}/{name}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        featureSet.Write(staging);
        File.WriteAllLines(Path.Combine(staging, SiloArtifacts.SkippedFile), skipped);
        foreach (var leftover in artifacts.Store.List(ArtifactLayout.FeatureSet(name) + "/", cancellationToken))
            artifacts.Store.Delete(leftover, cancellationToken);
        var bytes = Directory.EnumerateFiles(staging).Sum(f => new FileInfo(f).Length);
        try
        {
            return new Outcome(artifacts.Publish(name, staging), true, skipped, bytes);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Preprocesses the samples at <paramref name="indexes"/> through the feature cache of <paramref name="artifacts"/>:
    /// their rows (null where a sample was left out, in manifest order over all samples) and why each left-out one was.
    /// A silo computing a shard of a feature set calls this for its share; what it computes is then in the cache.
    /// </summary>
    public static (NdArray<float>[]?[] Rows, IReadOnlyList<string> Skipped) Preprocess(Manifest manifest, PipelineOptions pipeline, SiloArtifacts artifacts,
        IReadOnlyList<int> indexes, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        using var faces = FaceModel.Load();
        var preprocessor = new Preprocessor(pipeline, artifacts.Features, faces);
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

    /// <summary>The manifest's clip as the pipeline takes it: absolute frame paths, positions within the onset..offset span, and its database (which sets its frame rate).</summary>
    private static PipelineClip ClipOf(Manifest manifest, ManifestSample sample)
    {
        var clip = sample.Clip;
        var frames = clip.Frames.Select(frame => manifest.Resolve(sample, frame)).ToList();
        return new PipelineClip(sample.SampleId, frames, 0, clip.Apex - clip.Onset, clip.Offset - clip.Onset) { Database = sample.Database };
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

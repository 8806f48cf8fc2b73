using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Store;
using MerCluster.Pipeline;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// Before a sweep is stored, its features must exist: a sweep that names a dataset and a pipeline has them computed
/// (once per dataset and pipeline, through the feature cache under <c>cacheRoot</c>), the dataset manifest and the
/// feature set recorded in the store, and the feature-set directory written into the sweep as its <c>features</c>.
/// </summary>
public static class SweepFeatures
{
    /// <summary>The default cache root: <c>.mer/cache</c> under the current directory, beside the default store.</summary>
    public static string DefaultCacheRoot => Path.GetFullPath(Path.Combine(".mer", "cache"));

    public static async Task<SweepDefinition> PrepareAsync(CoordinationStore store, SweepDefinition definition, string cacheRoot,
        Action<string>? log = null, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var options = definition.Options;
        if (!string.IsNullOrEmpty(options.Features))
            return definition;
        var manifest = options.Dataset!.LoadManifest(definition.ResolvePath);
        await store.PutManifestAsync($"{manifest.ClassSet}-{manifest.Hash[..12]}", manifest.Hash, manifest.ToJson(), cancellationToken);
        var pipelinePath = options.Pipeline!.Contains('/') || options.Pipeline.EndsWith(".yaml", StringComparison.Ordinal)
            ? definition.ResolvePath(options.Pipeline) : options.Pipeline;
        var pipeline = PipelineOptions.Load(pipelinePath);
        var target = DatasetFeatures.DirectoryFor(cacheRoot, manifest, pipeline);
        if (!Directory.Exists(target))
            log?.Invoke($"preprocessing {manifest.Samples.Count} samples with pipeline {pipeline.Name} (once; cached under {cacheRoot})");
        var outcome = await Task.Run(() => DatasetFeatures.Ensure(manifest, pipeline, cacheRoot, progress, cancellationToken), cancellationToken);
        foreach (var skipped in outcome.Skipped)
            log?.Invoke($"left out {skipped}");
        var size = Directory.EnumerateFiles(outcome.Directory).Sum(f => new FileInfo(f).Length);
        await store.RecordCacheEntryAsync("featureset/" + Path.GetFileName(outcome.Directory), size, cancellationToken);
        return definition.WithFeatures(outcome.Directory);
    }
}

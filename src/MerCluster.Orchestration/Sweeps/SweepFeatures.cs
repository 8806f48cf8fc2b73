using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Grains;
using MerCluster.Pipeline;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// Before a sweep is stored, its features must exist: a sweep that names a dataset and a pipeline registers the dataset
/// with its <see cref="IDatasetGrain"/> and has its <see cref="IFeatureSetGrain"/> compute the features across the
/// cluster's silos (once per dataset and pipeline; each clip's features once, in the shared feature cache), then trains
/// on the feature-set directory, written into the sweep as its <c>features</c>.
/// </summary>
public static class SweepFeatures
{
    /// <summary>The default cache root: <c>.mer/cache</c> under the current directory, beside the default store.</summary>
    public static string DefaultCacheRoot => Path.GetFullPath(Path.Combine(".mer", "cache"));

    /// <summary>How often the feature set is asked how far it is while it is being computed.</summary>
    public static readonly TimeSpan ProgressPeriod = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A sweep whose <c>features</c> is a folder of the submitter's, submitted to silos whose artifact store is remote
    /// (blob storage): the folder is stored there as a feature set named by its content (<c>featuresets/upload-HASH</c>,
    /// so submitting it again uploads nothing) and the sweep trains on that instead. Otherwise the sweep is unchanged.
    /// </summary>
    public static SweepDefinition Upload(SweepDefinition definition, SiloArtifacts artifacts, Action<string>? log = null)
    {
        if (string.IsNullOrEmpty(definition.Options.Features) || artifacts.Store is Artifacts.FileSystemArtifactStore)
            return definition;
        var folder = definition.ResolvePath(definition.Options.Features);
        if (Artifacts.ArtifactStores.IsBlob(folder))
            return definition;
        if (!File.Exists(Path.Combine(folder, Core.Features.FeatureSet.ManifestFile)))
            throw new FileNotFoundException($"{definition.Source}: features {folder} is not a feature set folder ({Core.Features.FeatureSet.ManifestFile} is missing)");
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        var digest = Core.ContentHash.Of(string.Join("\n", files.Select(f => $"{Path.GetFileName(f)} {HashOf(f)}")));
        var name = $"upload-{digest[..16]}";
        if (!artifacts.TryFindFeatureSet(name, out _))
        {
            log?.Invoke($"uploading the features {folder} to {artifacts.Reference(name)}");
            artifacts.Publish(name, folder);
        }
        return definition.WithFeatures(artifacts.Reference(name));

        static string HashOf(string file)
        {
            using var stream = File.OpenRead(file);
            return Core.ContentHash.Of(stream);
        }
    }

    public static async Task<SweepDefinition> PrepareAsync(IGrainFactory grains, SweepDefinition definition,
        Action<string>? log = null, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var options = definition.Options;
        if (!string.IsNullOrEmpty(options.Features))
            return definition;
        var manifest = options.Dataset!.LoadManifest(definition.ResolvePath);
        var pipelinePath = options.Pipeline!.Contains('/') || options.Pipeline.EndsWith(".yaml", StringComparison.Ordinal)
            ? definition.ResolvePath(options.Pipeline) : options.Pipeline;
        var pipeline = PipelineOptions.Load(pipelinePath);
        await grains.GetGrain<IDatasetGrain>(manifest.Hash).Register(manifest.ToJson());
        var featureSet = grains.GetGrain<IFeatureSetGrain>(DatasetFeatures.NameFor(manifest, pipeline));
        var request = new FeatureSetRequest(manifest.Hash, CanonicalJson.Serialize(pipeline));
        var announced = false;
        while (true)
        {
            var status = await featureSet.Ensure(request);
            switch (status.State)
            {
                case FeatureSetStatus.Ready:
                    foreach (var skipped in status.Skipped)
                        log?.Invoke($"left out {skipped}");
                    return definition.WithFeatures(status.Reference!);
                case FeatureSetStatus.Failed:
                    throw new InvalidDataException($"{definition.Source}: the features of dataset {manifest.ClassSet} under pipeline {pipeline.Name} could not be computed: {status.Error}");
            }
            if (!announced)
            {
                log?.Invoke($"preprocessing {status.Total} samples with pipeline {pipeline.Name} across the cluster's silos (once; kept in their feature cache)");
                announced = true;
            }
            if (status.Done > 0)
                progress?.Invoke(status.Done, status.Total);
            await Task.Delay(ProgressPeriod, cancellationToken);
        }
    }
}

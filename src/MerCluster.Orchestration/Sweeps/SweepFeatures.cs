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
        var featureSet = grains.GetGrain<IFeatureSetGrain>(Path.GetFileName(DatasetFeatures.DirectoryFor("", manifest, pipeline)));
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
                    return definition.WithFeatures(status.Directory!);
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

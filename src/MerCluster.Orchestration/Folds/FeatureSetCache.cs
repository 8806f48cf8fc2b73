using System.Collections.Concurrent;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Features;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// The feature sets a silo has loaded, by a sweep's <c>features</c>: each is fetched from the artifact store (a feature
/// set there: verified, and copied to this silo's disk once when the store is remote) or read from the user's folder,
/// once, and shared by every fold the silo trains on it.
/// </summary>
public sealed class FeatureSetCache(SiloArtifacts? artifacts = null)
{
    private readonly ConcurrentDictionary<string, Lazy<FeatureSet>> _loaded = new(StringComparer.Ordinal);

    public FeatureSet Get(string features)
    {
        var lazy = _loaded.GetOrAdd(features, f => new Lazy<FeatureSet>(() => FeatureSet.Read(LocalDirectory(f))));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed read is not remembered: the next fold tries again (the files may have been mid-copy).
            _loaded.TryRemove(KeyValuePair.Create(features, lazy));
            throw;
        }
    }

    private string LocalDirectory(string features) =>
        artifacts?.LocalDirectory(features)
        ?? (Artifacts.ArtifactStores.IsBlob(features)
            ? throw new ArgumentException($"the features {features} are in blob storage: give the artifact store (--artifacts) they are in")
            : features);

    public int Count => _loaded.Count;
}

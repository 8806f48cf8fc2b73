using System.Collections.Concurrent;
using MerCluster.Core.Features;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// The feature sets a silo has loaded, by directory: each is read once and shared by every fold the silo
/// trains on it.
/// </summary>
public sealed class FeatureSetCache
{
    private readonly ConcurrentDictionary<string, Lazy<FeatureSet>> _loaded = new(StringComparer.Ordinal);

    public FeatureSet Get(string directory)
    {
        var lazy = _loaded.GetOrAdd(Path.GetFullPath(directory), dir => new Lazy<FeatureSet>(() => FeatureSet.Read(dir)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed read is not remembered: the next fold tries again (the files may have been mid-copy).
            _loaded.TryRemove(KeyValuePair.Create(Path.GetFullPath(directory), lazy));
            throw;
        }
    }

    public int Count => _loaded.Count;
}

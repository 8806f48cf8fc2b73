using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// A node of a clip's preprocessing graph. Its key is known before its value (it depends only on the step and its
/// inputs' keys), so a fully cached clip is answered without decoding a single frame. The value is computed on first
/// use, at most once per graph, through the cache when the step is <see cref="Stored"/>.
/// </summary>
public sealed class Feature<T> where T : unmanaged
{
    private readonly Lazy<NdArray<T>> _value;

    internal Feature(string step, FeatureKey key, bool stored, Func<NdArray<T>> compute)
    {
        Step = step;
        Key = key;
        Stored = stored;
        _value = new Lazy<NdArray<T>>(compute, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Step { get; }

    public FeatureKey Key { get; }

    /// <summary>Whether the value goes through the feature cache (false for bulky or cheap intermediates).</summary>
    public bool Stored { get; }

    public NdArray<T> Value => _value.Value;
}

/// <summary>Creates the features of one clip: stored ones through <see cref="Cache"/>, transient ones in memory only.</summary>
public sealed class FeatureGraph(FeatureCache cache)
{
    public FeatureCache Cache { get; } = cache;

    public Feature<T> Stored<T>(string step, int version, object? parameters, IEnumerable<FeatureKey> inputs, Func<NdArray<T>> compute)
        where T : unmanaged
    {
        var key = FeatureKey.For(step, version, parameters, inputs);
        return new Feature<T>(step, key, stored: true, () => Cache.GetOrCompute(key, compute));
    }

    public Feature<T> Transient<T>(string step, int version, object? parameters, IEnumerable<FeatureKey> inputs, Func<NdArray<T>> compute)
        where T : unmanaged
        => new(step, FeatureKey.For(step, version, parameters, inputs), stored: false, compute);
}

using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// A stored node of a clip's preprocessing graph. Its key is known before its value (it depends only on the step and its
/// inputs' keys), so a fully cached clip is answered without decoding a single frame. The value comes from the feature
/// cache on first use (computed there at most once per key, across threads and processes) and is then kept.
/// </summary>
public sealed class Feature<T> where T : unmanaged
{
    private readonly Lazy<NdArray<T>> _value;

    internal Feature(string step, FeatureKey key, Func<NdArray<T>> compute)
    {
        Step = step;
        Key = key;
        _value = new Lazy<NdArray<T>>(compute, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Step { get; }

    public FeatureKey Key { get; }

    public NdArray<T> Value => _value.Value;
}

/// <summary>Creates features whose values go through <see cref="Cache"/>.</summary>
public sealed class FeatureGraph(FeatureCache cache)
{
    public FeatureCache Cache { get; } = cache;

    /// <summary>The feature of <paramref name="step"/> (bump <paramref name="version"/> when its code changes meaning) over <paramref name="inputs"/>.</summary>
    public Feature<T> Node<T>(string step, int version, object? parameters, IEnumerable<FeatureKey> inputs, Func<NdArray<T>> compute)
        where T : unmanaged
    {
        var key = FeatureKey.For(step, version, parameters, inputs);
        return new Feature<T>(step, key, () => Cache.GetOrCompute(key, compute));
    }

    /// <summary>Where the value of <paramref name="feature"/> is stored (an .npy file for the filesystem store).</summary>
    public string Locate<T>(Feature<T> feature) where T : unmanaged => Cache.Locate(feature.Key);
}

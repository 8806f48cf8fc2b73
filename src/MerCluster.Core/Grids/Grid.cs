using System.Text;
using MerCluster.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Core.Grids;

/// <summary>
/// A sweep's grid: dotted config keys, each with a list of values; its trials are the cartesian product. The
/// expansion order is the grid's key order with the last key varying fastest (as Python's itertools.product), so
/// <c>{alpha: [0.1, 0.5], weight_decay: [0.01, 0.05]}</c> gives alpha=0.1,wd=0.01; alpha=0.1,wd=0.05; alpha=0.5,...
/// An empty grid has one trial that changes nothing (the base config).
/// </summary>
public sealed class Grid
{
    public Grid(IEnumerable<GridAxis> axes)
    {
        Axes = axes.ToArray();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var axis in Axes)
        {
            if (!ValidKey(axis.Key))
                throw new ArgumentException($"grid key '{axis.Key}' is not a dotted config key such as 'model.alpha'");
            if (!keys.Add(ConfigKeys.Normalize(axis.Key)))
                throw new ArgumentException($"grid key '{axis.Key}' appears twice");
            if (axis.Values.Count == 0)
                throw new ArgumentException($"grid key '{axis.Key}' has no values");
            if (axis.Values.Any(v => v.Key != axis.Key))
                throw new ArgumentException($"grid key '{axis.Key}' holds a value for another key");
            if (axis.Values.Distinct().Count() != axis.Values.Count)
                throw new ArgumentException($"grid key '{axis.Key}' lists a value twice");
        }
        Trials = Expand();
    }

    public IReadOnlyList<GridAxis> Axes { get; }

    public IReadOnlyList<GridTrial> Trials { get; }

    /// <summary>
    /// Reads a <c>grid:</c> mapping (<c>model.alpha: [0.1, 0.5]</c>); null or an empty mapping is the empty grid.
    /// Problems are <see cref="ConfigException"/>s naming <paramref name="source"/>, the key and the line.
    /// </summary>
    public static Grid Parse(YamlNode? node, string source, string keyPath = "grid")
    {
        if (node is null || node is YamlScalarNode { Value: null or "" or "~" or "null" })
            return new Grid([]);
        if (node is not YamlMappingNode mapping)
            throw new ConfigException(source, keyPath, Line(node), "expected a mapping of dotted config keys to lists of values");
        var axes = new List<GridAxis>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valuesNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var path = $"{keyPath}.{key}";
            if (!ValidKey(key))
                throw new ConfigException(source, path, Line(keyNode), "a grid key is a dotted config key such as 'model.alpha'");
            if (!seen.Add(ConfigKeys.Normalize(key)))
                throw new ConfigException(source, path, Line(keyNode), "this key appears twice in the grid");
            if (valuesNode is not YamlSequenceNode sequence)
                throw new ConfigException(source, path, Line(valuesNode), "expected a list of values, e.g. [0.1, 0.5]");
            if (sequence.Children.Count == 0)
                throw new ConfigException(source, path, Line(valuesNode), "the list of values is empty");
            var values = new List<GridOverride>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (sequence.Children[i] is not YamlScalarNode scalar)
                    throw new ConfigException(source, $"{path}[{i}]", Line(sequence.Children[i]), "a grid value must be a single value, not a list or mapping");
                var value = new GridOverride(key, scalar.Value ?? "", scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted);
                if (values.Contains(value))
                    throw new ConfigException(source, $"{path}[{i}]", Line(scalar), $"the value {value.DisplayValue} is listed twice");
                values.Add(value);
            }
            axes.Add(new GridAxis(key, values));
        }
        return new Grid(axes);
    }

    private GridTrial[] Expand()
    {
        var count = Axes.Aggregate(1L, (n, a) => checked(n * a.Values.Count));
        if (count > 100_000)
            throw new ArgumentException($"the grid has {count} points; more than 100000 is surely a mistake");
        var names = LabelNames();
        var trials = new GridTrial[count];
        var digits = new int[Axes.Count];
        for (var t = 0; t < count; t++)
        {
            var rest = t;
            for (var a = Axes.Count - 1; a >= 0; a--)
            {
                digits[a] = rest % Axes[a].Values.Count;
                rest /= Axes[a].Values.Count;
            }
            var overrides = Axes.Select((axis, a) => axis.Values[digits[a]]).ToArray();
            var label = overrides.Length == 0 ? "base"
                : string.Join(",", overrides.Select((o, a) => $"{names[a]}={o.DisplayValue}"));
            trials[t] = new GridTrial(t, TrialId(overrides), label, overrides);
        }
        return trials;
    }

    /// <summary>Labels use a key's last segment (<c>alpha</c> for <c>model.alpha</c>) unless two keys share it.</summary>
    private string[] LabelNames()
    {
        var shortNames = Axes.Select(a => a.Key[(a.Key.LastIndexOf('.') + 1)..]).ToArray();
        return shortNames.Select((s, i) => shortNames.Count(o => o == s) > 1 ? Axes[i].Key : s).ToArray();
    }

    /// <summary>A hash of the values set, sorted by key, so the id does not depend on key order or on the other points.</summary>
    private static string TrialId(IEnumerable<GridOverride> overrides)
    {
        var canonical = string.Concat(overrides.OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => $"{o.Key}={o.DisplayValue}\n"));
        return ContentHash.Of(canonical)[..12];
    }

    private static bool ValidKey(string key) =>
        key.Length > 0 && key.Split('.').All(segment => segment.Length > 0 && !segment.Any(char.IsWhiteSpace));

    private static int Line(YamlNode node) => (int)node.Start.Line;
}

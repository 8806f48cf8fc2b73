using MerCluster.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Core.Grids;

/// <summary>Applies a trial's values to a parsed config before it is bound with <see cref="YamlOptions"/>.</summary>
public static class ConfigOverrides
{
    /// <summary>
    /// Replaces, in place, the scalar at each override's dotted key of <paramref name="config"/> (keys match the way
    /// the binder matches them: <c>weight-decay</c> finds <c>weight_decay</c>). Parse a fresh copy per trial: the
    /// nodes keep their lines, so the binder's errors still point into the file. A key the config does not contain,
    /// or one that holds a mapping or list rather than a single value, is a <see cref="ConfigException"/> naming
    /// <paramref name="source"/> and the key, so a typo in a grid is caught when the sweep is submitted.
    /// </summary>
    public static void Apply(YamlMappingNode config, IEnumerable<GridOverride> overrides, string source)
    {
        foreach (var o in overrides)
        {
            var scalar = Find(config, o.Key, source);
            scalar.Value = o.Value;
            scalar.Style = o.Quoted ? ScalarStyle.DoubleQuoted : ScalarStyle.Plain;
        }
    }

    private static YamlScalarNode Find(YamlMappingNode config, string key, string source)
    {
        var segments = key.Split('.');
        YamlNode node = config;
        for (var i = 0; i < segments.Length; i++)
        {
            var walked = string.Join(".", segments[..i]);
            if (node is not YamlMappingNode mapping)
                throw new ConfigException(source, key, (int)node.Start.Line,
                    $"the grid sets '{key}' but '{walked}' in the base config is not a mapping");
            var wanted = ConfigKeys.Normalize(segments[i]);
            var child = mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode k && ConfigKeys.Normalize(k.Value ?? "") == wanted);
            if (child.Key is null)
            {
                var present = mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ToArray();
                var where = walked.Length == 0 ? "at the top level" : $"under '{walked}'";
                throw new ConfigException(source, key, (int)mapping.Start.Line,
                    $"the grid sets a key the base config does not have: no '{segments[i]}' {where} (present: {(present.Length == 0 ? "none" : string.Join(", ", present))})");
            }
            node = child.Value;
        }
        return node as YamlScalarNode
            ?? throw new ConfigException(source, key, (int)node.Start.Line,
                $"the grid sets '{key}', which holds a {(node is YamlSequenceNode ? "list" : "mapping")}; a grid value replaces a single value");
    }
}

using System.Text.RegularExpressions;

namespace MerCluster.Server.Tests.Support;

/// <summary>Reading a Prometheus text exposition back: its families and the metric names a query may use.</summary>
public static partial class Exposition
{
    /// <summary>Every series name the exposition can answer for: each family, and a histogram's _bucket/_sum/_count.</summary>
    public static ISet<string> SeriesNames(string exposition)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match type in TypeLine().Matches(exposition))
        {
            var family = type.Groups["name"].Value;
            names.Add(family);
            if (type.Groups["type"].Value == "histogram")
                names.UnionWith([family + "_bucket", family + "_sum", family + "_count"]);
        }
        return names;
    }

    /// <summary>The mer_* metric names a PromQL expression refers to.</summary>
    public static IEnumerable<string> MetricNamesIn(string expression) => MetricName().Matches(expression).Select(m => m.Value);

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\bmer_[a-z0-9_]+")]
    private static partial Regex MetricName();
}

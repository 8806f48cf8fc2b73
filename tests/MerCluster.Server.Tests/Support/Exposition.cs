using System.Globalization;
using System.Text.RegularExpressions;

namespace MerCluster.Server.Tests.Support;

/// <summary>Reading a Prometheus text exposition back: its families, the metric names a query may use, and sample values.</summary>
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

    /// <summary>The metric names (MerCluster's mer_*, Orleans' orleans_*) a PromQL expression refers to.</summary>
    public static IEnumerable<string> MetricNamesIn(string expression) => MetricName().Matches(expression).Select(m => m.Value);

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="labels"/> (e.g. <c>kind="silo_lost"</c>).</summary>
    public static double Sum(string exposition, string name, string labels = "") =>
        Sample().Matches(exposition)
            .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(labels, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\b(mer|orleans)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}

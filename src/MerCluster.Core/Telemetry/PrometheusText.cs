using System.Globalization;
using System.Text;

namespace MerCluster.Core.Telemetry;

/// <summary>
/// The rules of the Prometheus text exposition format (version 0.0.4) that the exporter needs: metric and label
/// names, unit suffixes, escaping of label values and HELP text, and how numbers are written.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public const string Prefix = "mer_";

    /// <summary>
    /// The exported family name of an instrument: invalid characters become '_', the <c>mer_</c> prefix is ensured, the
    /// base unit is appended unless the name already says it (s -> seconds, By -> bytes), and counters end in _total.
    /// </summary>
    public static string MetricName(string instrumentName, string? unit, bool counter)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            name = Prefix + name;
        if (counter && name.EndsWith("_total", StringComparison.Ordinal))
            name = name[..^"_total".Length];
        var unitWord = UnitWord(unit);
        if (unitWord is not null && !name.Split('_').Contains(unitWord))
            name += "_" + unitWord;
        return counter ? name + "_total" : name;
    }

    /// <summary>The base-unit word of a UCUM unit, or null when the unit adds no suffix (dimensionless, or an annotation like {fold}).</summary>
    public static string? UnitWord(string? unit) => unit switch
    {
        "s" => "seconds",
        "By" => "bytes",
        "%" => "percent",
        _ => null,
    };

    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\"\n") < 0)
            return value;
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
            builder.Append(c switch
            {
                '\\' => @"\\",
                '"' => "\\\"",
                '\n' => @"\n",
                _ => c.ToString(),
            });
        return builder.ToString();
    }

    /// <summary>Escapes HELP text: backslash and line feed (quotes stay as they are).</summary>
    public static string EscapeHelp(string text) => text.Replace(@"\", @"\\").Replace("\n", @"\n");

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The label block <c>{a="x",b="y"}</c> of a series (labels sorted by name), or "" without labels.</summary>
    public static string Labels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var sorted = labels.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
            return "";
        return "{" + string.Join(",", sorted.Select(l => $"{l.Key}=\"{EscapeLabelValue(l.Value)}\"")) + "}";
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var valid = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            builder.Append(valid ? c : '_');
        }
        return builder.ToString();
    }
}

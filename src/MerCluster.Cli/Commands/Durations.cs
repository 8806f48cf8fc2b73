using System.CommandLine.Parsing;
using System.Globalization;

namespace MerCluster.Cli.Commands;

/// <summary>Durations on the command line as the sweep files write them: 500ms, 30s, 5m, 2h, or hh:mm:ss.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text, ArgumentResult result)
    {
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
                return TimeSpan.FromSeconds(n * seconds);
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            return span;
        var key = result.Parent is OptionResult option ? $"{option.Option.Name}: " : "";
        result.AddError($"{key}'{text}' is not a duration (e.g. 500ms, 30s, 5m, 00:01:30)");
        return TimeSpan.Zero;
    }
}

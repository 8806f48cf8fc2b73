namespace MerCluster.Core.Configuration;

/// <summary>
/// A configuration file that cannot be used as it is. The message always names the file, the dotted key path
/// (e.g. <c>train.learning_rate</c>, <c>grid.alpha[2]</c>) and the 1-based line, so a user goes straight to the fix.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string source, string keyPath, int line, string problem, Exception? inner = null)
        : base(Format(source, keyPath, line, problem), inner)
    {
        SourceFile = source;
        KeyPath = keyPath;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file (or other named source) the value came from.</summary>
    public string SourceFile { get; }

    /// <summary>Dotted path of the offending key; empty for the document itself.</summary>
    public string KeyPath { get; }

    /// <summary>1-based line of the offending key or value; 0 when the source has no lines (e.g. a missing file).</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Format(string source, string keyPath, int line, string problem)
    {
        var where = line > 0 ? $"{source}:{line}" : source;
        return keyPath.Length > 0 ? $"{where}: {keyPath}: {problem}" : $"{where}: {problem}";
    }
}

using System.Security.Cryptography;
using System.Text;
using MerCluster.Core.Configuration;
using MerCluster.Core.Grids;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// A parsed sweep file: its text (what the store keeps, so silos elsewhere need not have the file), the directory its
/// relative paths start from, the grid's trials, and for each trial the options with that trial's values applied.
/// </summary>
public sealed class SweepDefinition
{
    private SweepDefinition(string yaml, string source, string sourceDirectory)
    {
        Yaml = yaml;
        Source = source;
        SourceDirectory = sourceDirectory;
        var root = YamlOptions.ParseMapping(yaml, source);
        Options = YamlOptions.Bind<SweepOptions>(root, source);
        Grid = Grid.Parse(Options.Grid, source);
        // Bind every trial once now, so a grid key that names no config key, or a bad model or training value, fails
        // here with the file and key, not later in every fold on the silos.
        foreach (var trial in Grid.Trials)
            Folds.FoldRunners.Validate(TrialOptions(trial), $"{source} ({trial.Label})");
    }

    public string Yaml { get; }

    /// <summary>Where the text came from (a file path, or the store's sweep id), for error messages.</summary>
    public string Source { get; }

    public string SourceDirectory { get; }

    public SweepOptions Options { get; }

    public Grid Grid { get; }

    public string Name => Options.Name;

    /// <summary>Reads a sweep file; <paramref name="overrides"/> (dotted key = value) are applied to its text first, as if edited in.</summary>
    public static SweepDefinition Load(string path, IEnumerable<GridOverride>? overrides = null)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new ConfigException(path, "", 0, "the sweep file does not exist");
        return new SweepDefinition(Apply(File.ReadAllText(fullPath), overrides ?? [], path), path, Path.GetDirectoryName(fullPath)!);
    }

    /// <summary>This sweep training on the feature set <paramref name="features"/> (an absolute folder, or an azblob:// URL of an artifact store), as if written into its file.</summary>
    public SweepDefinition WithFeatures(string features)
    {
        var root = YamlOptions.ParseMapping(Yaml, Source);
        root.Children[new YamlScalarNode("features")] = new YamlScalarNode(ResolvePath(features));
        return new SweepDefinition(Write(root), Source, SourceDirectory);
    }

    private static string Apply(string yaml, IEnumerable<GridOverride> overrides, string source)
    {
        var list = overrides.ToList();
        if (list.Count == 0)
            return yaml;
        var root = YamlOptions.ParseMapping(yaml, source);
        ConfigOverrides.Apply(root, list, source);
        return Write(root);
    }

    private static string Write(YamlMappingNode root)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>Rebuilds a definition from what the store keeps.</summary>
    public static SweepDefinition FromStore(string yaml, string sourceDirectory, string sweepId) =>
        new(yaml, $"sweep {sweepId}", sourceDirectory);

    /// <summary>The sweep's options with one trial's grid values applied.</summary>
    public SweepOptions TrialOptions(GridTrial trial)
    {
        var root = YamlOptions.ParseMapping(Yaml, Source);
        ConfigOverrides.Apply(root, trial.Overrides, Source);
        return YamlOptions.Bind<SweepOptions>(root, $"{Source} ({trial.Label})");
    }

    public string ResolvePath(string path) => Artifacts.ArtifactStores.IsBlob(path) ? path : Path.GetFullPath(path, SourceDirectory);

    /// <summary>The sweep's id: its name and a hash of its text and samples, so re-running the same file finds (and resumes) the same sweep.</summary>
    public string IdFor(string samplesJson)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Yaml + "\n" + samplesJson));
        return $"{Name}-{Convert.ToHexStringLower(hash)[..8]}";
    }
}

using MerCluster.Core;
using MerCluster.Core.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MerCluster.Training;

/// <summary>
/// Which settings of a model's paper config (configs/models/NAME.yaml and the configs/pipelines file it names) come from
/// its seed paper. The convention (issue 15): a setting the paper does not give ends its line with the comment
/// <c># not in the paper</c> (optionally <c>: why</c>); any other setting is the paper's. Keys are dotted
/// (<c>train.learning_rate</c>, <c>model.settings.dim</c>, <c>pipeline.apex_gray.size</c>); the names that only say which
/// model and pipeline these are (<c>pipeline</c>, <c>model.name</c>, the pipeline's <c>name</c>) are not settings.
/// Small configs (<c>NAME-small.yaml</c>) are not paper configs.
/// </summary>
public sealed record PaperSettings(string Config, string? PipelineConfig, IReadOnlyList<string> FromPaper, IReadOnlyList<string> NotInPaper)
{
    public const string Marker = "not in the paper";

    private static readonly HashSet<string> Names = ["pipeline", "model.name", "pipeline.name"];

    /// <summary>The classification of <paramref name="model"/>'s paper config, or null when the model ships none.</summary>
    public static PaperSettings? Of(string model)
    {
        var config = TrainingConfig.PathFor(model);
        if (!File.Exists(config))
            return null;
        var settings = Read(config, "");
        string? pipelineFile = null;
        if (TrainingConfig.Load(config).Pipeline is { } pipeline)
        {
            pipelineFile = Path.Combine(RepositoryPaths.Configs, "pipelines", $"{pipeline}.yaml");
            if (!File.Exists(pipelineFile))
                throw new ConfigException(config, "pipeline", 0, $"names pipeline '{pipeline}', but {pipelineFile} does not exist");
            settings.AddRange(Read(pipelineFile, "pipeline."));
        }
        return new PaperSettings(config, pipelineFile,
            settings.Where(s => !s.NotInPaper).Select(s => s.Key).ToList(), settings.Where(s => s.NotInPaper).Select(s => s.Key).ToList());
    }

    /// <summary>Every setting of one YAML file, in file order, and whether its line says it is not in the paper.</summary>
    public static List<(string Key, bool NotInPaper)> Read(string path, string prefix)
    {
        var lines = File.ReadAllLines(path);
        var result = new List<(string Key, bool NotInPaper)>();
        var keys = new List<string>();   // the keys of the mappings we are in
        (string Key, long Line)? pending = null;  // a key read, its value not yet
        var depth = 0;                   // sequences entered below a setting (its value is the whole sequence)
        try
        {
            // The comment is read from the key's own line: YamlDotNet's comment events trip over some flow sequences.
            using var reader = File.OpenText(path);
            var parser = new Parser(reader);
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart when depth == 0:
                        if (pending is { } mapping)
                            keys.Add(mapping.Key);
                        pending = null;
                        break;
                    case MappingEnd when depth == 0:
                        if (keys.Count > 0)
                            keys.RemoveAt(keys.Count - 1);
                        break;
                    case SequenceStart:
                        depth++;
                        break;
                    case SequenceEnd:
                        if (--depth == 0 && pending is { } sequence)
                            Add(result, prefix, keys, sequence, lines, ref pending);
                        break;
                    case Scalar scalar when depth == 0:
                        if (pending is { } key)
                            Add(result, prefix, keys, key, lines, ref pending);
                        else
                            pending = (scalar.Value, scalar.Start.Line);
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            throw new ConfigException(path, "", (int)e.Start.Line, e.Message);
        }
        return result.Where(s => !Names.Contains(s.Key)).ToList();
    }

    private static void Add(List<(string Key, bool NotInPaper)> result, string prefix, List<string> keys, (string Key, long Line) setting,
        string[] lines, ref (string Key, long Line)? pending)
    {
        var line = lines[setting.Line - 1];
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        var marked = hash >= 0 && line[(hash + 2)..].TrimStart().StartsWith(Marker, StringComparison.OrdinalIgnoreCase);
        result.Add((prefix + string.Join(".", keys.Append(setting.Key)), marked));
        pending = null;
    }
}

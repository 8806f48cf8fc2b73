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
    internal static List<(string Key, bool NotInPaper)> Read(string path, string prefix)
    {
        var result = new List<(string Key, bool NotInPaper)>();
        var keys = new List<string>();   // the keys of the mappings we are in
        string? pendingKey = null;        // a key read, its value not yet
        var depth = 0;                    // sequences entered below a setting (its value is the whole sequence)
        int? last = null;                 // the setting whose value ended last: an inline comment after it is its own
        try
        {
            using var reader = File.OpenText(path);
            var parser = new Parser(new Scanner(reader, skipComments: false));
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case Comment { IsInline: true } comment when last is { } index:
                        if (comment.Value.TrimStart().StartsWith(Marker, StringComparison.OrdinalIgnoreCase))
                            result[index] = (result[index].Key, true);
                        last = null;
                        break;
                    case Comment:
                        break;
                    case MappingStart when depth == 0:
                        if (pendingKey is not null)
                            keys.Add(pendingKey);
                        pendingKey = null;
                        last = null;
                        break;
                    case MappingEnd when depth == 0:
                        if (keys.Count > 0)
                            keys.RemoveAt(keys.Count - 1);
                        last = null;
                        break;
                    case SequenceStart:
                        depth++;
                        break;
                    case SequenceEnd:
                        if (--depth == 0)
                            last = Add(result, prefix, keys, ref pendingKey);
                        break;
                    case Scalar scalar when depth == 0:
                        if (pendingKey is null)
                        {
                            pendingKey = scalar.Value;
                            last = null;
                        }
                        else
                            last = Add(result, prefix, keys, ref pendingKey);
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

    private static int? Add(List<(string Key, bool NotInPaper)> result, string prefix, List<string> path, ref string? key)
    {
        result.Add((prefix + string.Join(".", path.Append(key!)), false));
        key = null;
        return result.Count - 1;
    }
}

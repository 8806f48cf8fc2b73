using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Configuration;
using MerCluster.Training;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer models list`: the registered models, their inputs, settings with defaults, and shipped configs; with `--json`
/// also, per model, which settings of its paper config come from its seed paper (<see cref="PaperSettings"/>).
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the registered models with their inputs and settings.");
        var json = new Option<bool>("--json") { Description = "Print one JSON array, with the settings each paper config takes from its paper." };
        list.Options.Add(json);
        list.SetAction(parse => parse.GetValue(json) ? ListJson() : List());
        return new Command("models", "The model registry: every model this build can train.") { list };
    }

    private static int List()
    {
        var table = new Table();
        table.AddColumns("model", "inputs (per sample)", "settings (defaults)", "configs (pipeline)");
        foreach (var model in TrainingCore.Models())
        {
            var inputs = string.Join("\n", model.Inputs.Select(i => $"{i.Name} {string.Join("x", i.Shape)}: {i.Description}"));
            var settings = string.Join("\n", model.Defaults.Select(p => $"{p.Key}: {Readable(p.Value)}"));
            table.AddRow(new Markup($"[bold]{model.Name}[/]\n{Markup.Escape(model.Summary)}"), new Text(inputs), new Text(settings), new Text(Configs(model.Name)));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static int ListJson()
    {
        var models = new JsonArray();
        foreach (var model in TrainingCore.Models())
        {
            var entry = new JsonObject
            {
                ["name"] = model.Name,
                ["summary"] = model.Summary,
                ["inputs"] = new JsonArray(model.Inputs.Select(i => (JsonNode)new JsonObject
                {
                    ["name"] = i.Name, ["shape"] = new JsonArray(i.Shape.Select(d => (JsonNode)d).ToArray()), ["description"] = i.Description,
                }).ToArray()),
                ["settings"] = model.Defaults.DeepClone(),
                ["configs"] = new JsonArray(ConfigFiles(model.Name).Select(c => (JsonNode)new JsonObject
                {
                    ["file"] = c.Name, ["pipeline"] = c.Pipeline, ["problem"] = c.Problem,
                }).ToArray()),
            };
            if (PaperSettings.Of(model.Name) is { } paper)
            {
                entry["paper_config"] = Relative(paper.Config);
                entry["from_paper"] = new JsonArray(paper.FromPaper.Select(k => (JsonNode)k).ToArray());
                entry["not_in_paper"] = new JsonArray(paper.NotInPaper.Select(k => (JsonNode)k).ToArray());
            }
            models.Add(entry);
        }
        Console.WriteLine(models.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>The shipped configs of a model (configs/models/NAME.yaml and NAME-*.yaml), each with the pipeline its inputs come from.</summary>
    private static string Configs(string model)
    {
        var lines = ConfigFiles(model).Select(c => $"{c.Name} ({(c.Problem is null ? c.Pipeline ?? "no pipeline" : $"invalid: {c.Problem}")})").ToList();
        return lines.Count > 0 ? string.Join("\n", lines) : "-";
    }

    private static List<(string Name, string? Pipeline, string? Problem)> ConfigFiles(string model)
    {
        var directory = Path.GetDirectoryName(TrainingConfig.PathFor(model))!;
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, $"{model}.yaml").Concat(Directory.GetFiles(directory, $"{model}-*.yaml").Order(StringComparer.Ordinal))
            : [];
        return files.Select(f =>
        {
            try
            {
                return (Relative(f), TrainingConfig.Load(f).Pipeline, (string?)null);
            }
            catch (ConfigException e)
            {
                return (Relative(f), null, e.Problem);
            }
        }).ToList();
    }

    private static string Relative(string path) => Path.GetRelativePath(Directory.GetCurrentDirectory(), path);

    /// <summary>Numbers as the shortest text that reads back the same (0.1, not 0.10000000000000001); strings bare.</summary>
    private static string Readable(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<string>(out var text) => text.Length == 0 ? "\"\"" : text,
        null => "null",
        _ => value.ToJsonString(),
    };
}

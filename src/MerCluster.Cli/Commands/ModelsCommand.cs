using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MerCluster.Core.Configuration;
using MerCluster.Training;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>`mer models list`: the registered models, their inputs, settings with defaults, and shipped configs.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the registered models with their inputs and settings.");
        list.SetAction(_ => List());
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

    /// <summary>The shipped configs of a model (configs/models/NAME.yaml and NAME-*.yaml), each with the pipeline its inputs come from.</summary>
    private static string Configs(string model)
    {
        var directory = Path.GetDirectoryName(TrainingConfig.PathFor(model))!;
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, $"{model}.yaml").Concat(Directory.GetFiles(directory, $"{model}-*.yaml").Order(StringComparer.Ordinal))
            : [];
        var lines = files.Select(f =>
        {
            var name = Path.GetRelativePath(Directory.GetCurrentDirectory(), f);
            try
            {
                return $"{name} ({TrainingConfig.Load(f).Pipeline ?? "no pipeline"})";
            }
            catch (ConfigException e)
            {
                return $"{name} (invalid: {e.Problem})";
            }
        }).ToList();
        return lines.Count > 0 ? string.Join("\n", lines) : "-";
    }

    /// <summary>Numbers as the shortest text that reads back the same (0.1, not 0.10000000000000001); strings bare.</summary>
    private static string Readable(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<string>(out var text) => text.Length == 0 ? "\"\"" : text,
        null => "null",
        _ => value.ToJsonString(),
    };
}

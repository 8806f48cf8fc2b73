using System.CommandLine;
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
        return new Command("models", "The model registry of the native training core.") { list };
    }

    private static int List()
    {
        var table = new Table();
        table.AddColumns("model", "inputs (per sample)", "settings (defaults)", "config");
        foreach (var model in TrainingCore.Models())
        {
            var inputs = string.Join("\n", model.Inputs.Select(i => $"{i.Name} {string.Join("x", i.Shape)}: {i.Description}"));
            var settings = string.Join("\n", model.Defaults.Select(p => $"{p.Key}: {p.Value?.ToJsonString()}"));
            var config = TrainingConfig.PathFor(model.Name);
            table.AddRow(new Markup($"[bold]{model.Name}[/]\n{Markup.Escape(model.Summary)}"), new Text(inputs), new Text(settings),
                new Text(File.Exists(config) ? Path.GetRelativePath(Directory.GetCurrentDirectory(), config) : "-"));
        }
        AnsiConsole.Write(table);
        return 0;
    }
}

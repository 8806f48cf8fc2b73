using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core;
using MerCluster.Core.Grids;
using MerCluster.Datasets.Synthetic;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;
using MerCluster.Training;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench models [--json]`: what each model's small config (configs/models/NAME-small.yaml) scores in a full
/// composite leave-one-subject-out run on the synthetic composite (`mer demo`'s trees and feature cache), preprocessed
/// by the config's own pipeline, on the hard twin by default. With <c>--seeds N</c> each model trains with training seeds
/// 1..N (one grid point each) and reports their mean and spread. The bar is chance beaten clearly: a mean UF1 above 0.5
/// on 3 classes. These are synthetic numbers: they show a model learns through the whole stack, not how it does on the
/// real databases.
/// </summary>
internal static class ModelsBench
{
    private const double Bar = 0.5;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var models = new Option<string[]>("--model") { Description = "Models to run (repeatable); default: every model with a small config.", AllowMultipleArgumentsPerToken = true };
        var scale = new Option<SynthScale>("--scale") { Description = "full (68 subjects, the composite) or small (9 subjects, a quick look).", DefaultValueFactory = _ => SynthScale.Full };
        var difficulty = DemoCommand.DifficultyOption();
        var seeds = new Option<int>("--seeds") { Description = "Training seeds per model (1..N, one grid point each): the table shows their mean and spread.", DefaultValueFactory = _ => 1 };
        seeds.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 20)
                result.AddError("--seeds must be between 1 and 20");
        });
        var slots = new Option<int>("--slots") { Description = "Folds trained at once by the in-process silo (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var directory = new Option<DirectoryInfo>("--dir") { Description = "Where the synthetic trees, the feature cache and the store live (shared with `mer demo`).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".mer", "demo")) };
        var command = new Command("models", "Train each model's small config on the synthetic composite (LOSO) and print UF1/UAR against the 0.5 bar.")
        {
            json, models, scale, difficulty, seeds, slots, directory,
        };
        command.SetAction(parse => Run(parse.GetValue(json), parse.GetValue(models) ?? [], parse.GetValue(scale), parse.GetValue(difficulty), parse.GetValue(seeds),
            parse.GetValue(slots), parse.GetValue(directory)!));
        return command;
    }

    private static int Run(bool asJson, string[] only, SynthScale scale, SynthDifficulty difficulty, int seeds, int slots, DirectoryInfo directory)
    {
        var configs = SmallConfigs(only, out var unknown);
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"--model: no configs/models/NAME-small.yaml for {string.Join(", ", unknown)}");
            return 2;
        }
        using var stop = new StopSignal(signal => Console.Error.WriteLine($"{signal}: stopping; the same command resumes"));
        // With --json, stdout is the JSON object alone: the sweeps' progress goes to stderr.
        var stdout = Console.Out;
        if (asJson)
            Console.SetOut(Console.Error);
        var results = new JsonArray();
        var code = SweepCommand.Guard(async () =>
        {
            var root = DemoCommand.RootOf(directory, scale, difficulty);
            var synthetic = DemoCommand.EnsureSynthetic(Path.Combine(root, "synthetic"), scale, difficulty);
            var url = "sqlite:" + Path.Combine(root, "bench-models.db");
            foreach (var (model, config) in configs)
            {
                if (stop.Token.IsCancellationRequested)
                    break;
                var clock = Stopwatch.StartNew();
                var sweepFile = WriteSweep(Path.Combine(root, "sweeps"), model, config, synthetic, seeds);
                var sweepId = await SweepCommand.RunAsync(sweepFile, Enumerable.Repeat("cpu", slots).ToList(), url, Path.Combine(root, "cache"), [], stop.Token);
                await using var store = await CoordinationStore.OpenAsync(url);
                results.Add(Result(model, config, await SweepReportLoader.LoadAsync(store, sweepId), clock.Elapsed));
            }
            return "";
        });
        Console.SetOut(stdout);
        if (code != 0)
            return code;
        if (asJson)
            Console.WriteLine(new JsonObject
                {
                    ["scale"] = scale.ToString().ToLowerInvariant(), ["difficulty"] = difficulty.ToString().ToLowerInvariant(), ["seeds"] = seeds,
                    ["uf1_bar"] = Bar, ["models"] = results,
                }
                .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else
            PrintTable(results);
        return results.All(r => (bool)r!["beats_bar"]!) ? 0 : 3;
    }

    private static List<(string Model, string Config)> SmallConfigs(string[] only, out List<string> unknown)
    {
        var all = TrainingCore.Models()
            .Select(m => (m.Name, Config: Path.Combine(RepositoryPaths.Configs, "models", $"{m.Name}-small.yaml")))
            .Where(c => File.Exists(c.Config))
            .ToList();
        unknown = only.Except(all.Select(c => c.Name)).ToList();
        return all.Where(c => only.Length == 0 || only.Contains(c.Name)).ToList();
    }

    /// <summary>
    /// A sweep of the small config's own text (its model, train and pipeline keys) on the synthetic trees, one trial per
    /// training seed (a grid over <c>train.seed</c> when there are several).
    /// Rewritten only when it changes, so a run stopped half way resumes the same sweep. Its description names the
    /// trainer's build (a hash of MerCluster.Training.dll; part of the sweep's id like all its text), so a rebuilt trainer
    /// starts a fresh sweep instead of resuming folds that the previous build computed.
    /// </summary>
    private static string WriteSweep(string directory, string model, string config, string synthetic, int seeds)
    {
        Directory.CreateDirectory(directory);
        var roots = string.Join("", new[] { "casme2", "samm", "smic" }.Select(db => $"  {db}: \"{Path.Combine(synthetic, SynthPlan.FolderOf(db))}\"\n"));
        var text = $"""
            # Written by `mer bench models` from {Path.GetRelativePath(RepositoryPaths.Root, config)}.
            name: bench-{model}-small
            description: {model} small config on the synthetic composite, training core build {CoreBuild()}
            dataset:
            {roots}  class_set: megc2019-3class
            protocol:
              name: loso
              databases: [smic, casme2, samm]
              classes: [negative, positive, surprise]

            """ + File.ReadAllText(config)
            + (seeds > 1 ? $"\ngrid:\n  train.seed: [{string.Join(", ", Enumerable.Range(1, seeds))}]\n" : "");
        var path = Path.Combine(directory, seeds > 1 ? $"{model}-small-{seeds}seeds.yaml" : $"{model}-small.yaml");
        if (!File.Exists(path) || File.ReadAllText(path) != text)
            File.WriteAllText(path, text);
        return path;
    }

    private static string CoreBuild() => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TrainingCore.AssemblyPath)))[..16];

    /// <summary>One model's outcome: per training seed its scores, and the mean and spread of overall UF1 over the seeds
    /// (spread: the sample standard deviation, 0 for one seed). It beats the bar when every seed has a UF1, their mean
    /// is above the bar and no fold failed.</summary>
    private static JsonObject Result(string model, string config, SweepReport report, TimeSpan elapsed)
    {
        var runs = new JsonArray();
        var uf1s = new List<double>();
        foreach (var trial in report.Trials)
        {
            var overall = ReportTable.ScoresOf(trial, ReportTable.Overall);
            var parts = new JsonObject();
            foreach (var part in report.Parts)
                parts[part] = JsonReport.ScoresJson(ReportTable.ScoresOf(trial, part));
            if (overall.Uf1 is { } uf1)
                uf1s.Add(uf1);
            runs.Add(new JsonObject
            {
                ["trial"] = trial.Trial.Label,
                ["overall"] = JsonReport.ScoresJson(overall),
                ["parts"] = parts,
                ["failed_folds"] = trial.FailedFolds.Count,
            });
        }
        // A run stopped before a seed's first fold has no UF1 for it: the figures are over the seeds that have one.
        double? mean = uf1s.Count > 0 ? uf1s.Average() : null;
        double? spread = uf1s.Count > 1 ? Math.Sqrt(uf1s.Sum(u => (u - mean!.Value) * (u - mean.Value)) / (uf1s.Count - 1)) : uf1s.Count == 1 ? 0 : null;
        double? Rounded(double? value) => value is { } v ? Math.Round(v, 4) : null;
        var failed = report.Trials.Sum(t => t.FailedFolds.Count);
        return new JsonObject
        {
            ["model"] = model,
            ["config"] = Path.GetRelativePath(RepositoryPaths.Root, config),
            ["sweep"] = report.Sweep,
            ["uf1_mean"] = Rounded(mean),
            ["uf1_sd"] = Rounded(spread),
            ["uf1_min"] = Rounded(uf1s.Count > 0 ? uf1s.Min() : null),
            ["uf1_max"] = Rounded(uf1s.Count > 0 ? uf1s.Max() : null),
            ["runs"] = runs,
            ["folds"] = ReportTable.Folds(report).Count,
            ["failed_folds"] = failed,
            ["minutes"] = Math.Round(elapsed.TotalMinutes, 1),
            ["beats_bar"] = mean > Bar && failed == 0 && uf1s.Count == report.Trials.Count,
        };
    }

    private static void PrintTable(JsonArray results)
    {
        Console.WriteLine($"{"model",-14} {"UF1 mean",8} {"sd",6} {"lowest",6} {"highest",7} {"seeds",5} {"failed",6} {"minutes",7}  UF1 > {Bar}");
        foreach (var r in results.Select(r => r!.AsObject()))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r["model"],-14} {(double?)r["uf1_mean"] ?? double.NaN,8:F3} {(double?)r["uf1_sd"] ?? double.NaN,6:F3} {(double?)r["uf1_min"] ?? double.NaN,6:F3} {(double?)r["uf1_max"] ?? double.NaN,7:F3} {r["runs"]!.AsArray().Count,5} {(int)r["failed_folds"]!,6} {(double)r["minutes"]!,7:F1}  {((bool)r["beats_bar"]! ? "yes" : "NO")}"));
    }
}

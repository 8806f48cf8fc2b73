using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MerCluster.Core.Configuration;
using MerCluster.Datasets;
using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Manifests;
using MerCluster.Datasets.Synthetic;
using MerCluster.Vision;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>`mer datasets inspect|synth`: read the licensed databases (or CK+) into a manifest and report it; write a synthetic twin.</summary>
internal static class DatasetsCommand
{
    public static Command Create() => new("datasets", "Load CASME II, SAMM and SMIC-HS (or CK+) into a manifest, or write synthetic ones.")
    {
        Inspect(),
        Synth(),
    };

    private static Command Inspect()
    {
        var (casme2, samm, smic) = RootOptions();
        var ckplus = CkPlusOption();
        var classSet = ClassSetOption();
        var manifestOut = new Option<string?>("--manifest") { Description = "Also write the manifest (JSON) to this file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var command = new Command("inspect", "Per database and class: subjects, samples, repairs and exclusions with reasons, beside the official counts.")
        {
            casme2, samm, smic, ckplus, classSet, manifestOut, json,
        };
        command.SetAction(parse => Guard(() => RunInspect(
            parse.GetValue(smic), parse.GetValue(casme2), parse.GetValue(samm), parse.GetValue(ckplus), parse.GetValue(classSet), parse.GetValue(manifestOut), parse.GetValue(json))));
        return command;
    }

    /// <summary>The three micro-expression database roots, shared with `mer preprocess`.</summary>
    internal static (Option<string?> Casme2, Option<string?> Samm, Option<string?> Smic) RootOptions() => (
        new("--casme2") { Description = "CASME II root (sub01/..., CASME2-coding-20140508.xlsx)." },
        new("--samm") { Description = "SAMM root (006/..., SAMM_Micro_FACS_Codes_v2.xlsx)." },
        new("--smic") { Description = "SMIC root (HS/s1/micro/...)." });

    /// <summary>The CK+ root option, shared with `mer preprocess`.</summary>
    internal static Option<string?> CkPlusOption() =>
        new("--ckplus") { Description = "CK+ root (cohn-kanade-images/S005/001/..., Emotion/S005/001/..._emotion.txt): macro-expressions for pretraining." };

    /// <summary>The class-set option, shared with `mer preprocess`.</summary>
    internal static Option<string?> ClassSetOption() =>
        new("--class-set") { Description = $"Class set under configs/datasets/ (or a YAML file); default {ClassSet.Megc2019}, or {ClassSet.CkPlus} when only --ckplus is given." };

    private static Command Synth()
    {
        var output = new Option<string>("--out") { Description = "Folder to write CASME2/, SAMM/ and SMIC/ (macro: CK+/) into.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed writes the same bytes.", DefaultValueFactory = _ => 1 };
        var mode = new Option<SynthMode>("--mode") { Description = "micro: CASME II, SAMM, SMIC-HS; macro: a CK+ tree of macro-expressions (for pretraining).", DefaultValueFactory = _ => SynthMode.Micro };
        var scale = new Option<SynthScale>("--scale")
        {
            Description = "full: the MEGC2019 composite's counts (macro: CK+'s); small: 3 subjects per database (macro: 4 CK+ subjects).",
            DefaultValueFactory = _ => SynthScale.Full,
        };
        var defects = new Option<bool>("--defects") { Description = "Inject the real sheets' defects (missing apex, offset 0, missing frames...); micro only." };
        var threads = new Option<int>("--threads") { Description = "Clips rendered at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var difficulty = DemoCommand.DifficultyOption();
        var command = new Command("synth", "Write synthetic CASME II, SAMM and SMIC-HS trees (or a CK+ tree) in the official layouts.")
        {
            output, seed, mode, scale, difficulty, defects, threads,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(defects) && result.GetValue(mode) == SynthMode.Macro)
                result.AddError("--defects writes the coding-sheet defects of CASME II, SAMM and SMIC-HS: it does not apply to --mode macro");
        });
        command.SetAction(parse => Guard(() => RunSynth(new SynthOptions
        {
            Seed = parse.GetValue(seed),
            Mode = parse.GetValue(mode),
            Difficulty = parse.GetValue(difficulty),
            Scale = parse.GetValue(scale),
            Defects = parse.GetValue(defects),
            Threads = parse.GetValue(threads),
        }, parse.GetValue(output)!)));
        return command;
    }

    /// <summary>
    /// Loads whichever databases are given and builds their manifest under <paramref name="classSetName"/> (a name under
    /// configs/datasets/ or a file; null: ckplus-3class for CK+ alone, else megc2019-3class).
    /// </summary>
    internal static (Manifest Manifest, ClassSet ClassSet) Load(string? smic, string? casme2, string? samm, string? classSetName, string? ckplus = null)
    {
        if (smic is null && casme2 is null && samm is null && ckplus is null)
            throw new DatasetException("give at least one of --casme2, --samm, --smic, --ckplus");
        classSetName ??= smic is null && casme2 is null && samm is null ? ClassSet.CkPlus : ClassSet.Megc2019;
        var classSet = File.Exists(classSetName) ? ClassSet.Load(classSetName) : ClassSet.Named(classSetName);
        return (CompositeBuilder.Load(classSet, smic, casme2, samm, ckplus), classSet);
    }

    private static int RunInspect(string? smic, string? casme2, string? samm, string? ckplus, string? classSetName, string? manifestOut, bool json)
    {
        var (manifest, classSet) = Load(smic, casme2, samm, classSetName, ckplus);
        if (manifestOut is not null)
            manifest.Write(manifestOut);
        var summary = CompositeSummary.Of(manifest, classSet);
        if (json)
            Console.WriteLine(InspectionReport.Json(manifest, summary).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else
            WriteTables(manifest, summary);
        return 0;
    }

    private static void WriteTables(Manifest manifest, CompositeSummary summary)
    {
        var table = new Table { Title = new TableTitle($"{manifest.ClassSet}: counts{(summary.Official.Count > 0 ? " (official in brackets)" : "")}") };
        table.AddColumns(["part", "subjects", "samples", .. manifest.Classes, "repaired", "excluded"]);
        foreach (var part in summary.Parts.Append(summary.Composite))
        {
            var official = part == summary.Composite ? Total(summary.Official) : summary.Official.FirstOrDefault(o => o.Database == part.Name);
            table.AddRow([
                part.Name,
                Versus(part.Subjects, official?.Subjects),
                Versus(part.Samples, official?.Samples),
                .. manifest.Classes.Select(c => Versus(part.Classes[c], official?.Classes.GetValueOrDefault(c))),
                part.Repaired.ToString(), part.Excluded.ToString(),
            ]);
        }
        AnsiConsole.Write(table);
        foreach (var mismatch in summary.Mismatches())
            AnsiConsole.MarkupLineInterpolated($"[yellow]differs from the official table:[/] {mismatch}");

        var repaired = manifest.Samples.Where(s => s.Clip.Flags.Count > 0).ToList();
        if (repaired.Count > 0)
        {
            var repairs = new Table { Title = new TableTitle($"repaired or flagged ({repaired.Count})") };
            repairs.AddColumns("sample", "flags");
            foreach (var sample in repaired)
                repairs.AddRow(new Text(sample.SampleId), new Text(string.Join("\n", sample.Clip.Flags)));
            AnsiConsole.Write(repairs);
        }
        if (manifest.Excluded.Count > 0)
        {
            var excluded = new Table { Title = new TableTitle($"excluded ({manifest.Excluded.Count})") };
            excluded.AddColumns("database", "sample", "reason");
            foreach (var e in manifest.Excluded)
                excluded.AddRow(new Text(e.Database), new Text(e.Sample), new Text(e.Reason));
            AnsiConsole.Write(excluded);
        }
        AnsiConsole.MarkupLineInterpolated($"manifest {manifest.Hash[..16]}: {manifest.Samples.Count} samples, {summary.Composite.Subjects} subjects");
    }

    private static OfficialCounts? Total(IReadOnlyList<OfficialCounts> official) => official.Count == 0 ? null : new OfficialCounts
    {
        Database = "composite",
        Subjects = official.Sum(o => o.Subjects),
        Classes = official.SelectMany(o => o.Classes).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value)),
    };

    private static string Versus(int found, int? official) =>
        official is null ? $"{found}" : found == official ? $"{found} [grey]({official})[/]" : $"[red]{found}[/] ({official})";

    private static int RunSynth(SynthOptions options, string output)
    {
        var plan = SynthPlan.Create(options.Scale, options.Seed, options.Defects, options.Mode, options.Difficulty);
        var watch = Stopwatch.StartNew();
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"writing {plan.Clips.Count} clips", maxValue: plan.Clips.Count);
            SyntheticDataset.Write(output, options, () => task.Increment(1));
        });
        var folders = SynthPlan.DatabasesOf(options.Mode).Select(SynthPlan.FolderOf).ToList();
        AnsiConsole.MarkupLineInterpolated(
            $"wrote {plan.Clips.Count} clips of {plan.Subjects.Count} subjects to {Path.GetFullPath(output)} ({string.Join(", ", folders.Select(f => f + "/"))}) in {watch.Elapsed.TotalSeconds:F1} s");
        var roots = SynthPlan.DatabasesOf(options.Mode).Select(d => $"--{d} {Path.Combine(output, SynthPlan.FolderOf(d))}");
        AnsiConsole.MarkupLineInterpolated($"inspect: mer datasets inspect {string.Join(" ", roots)}");
        return 0;
    }

    /// <summary>Bad input is one clear message naming the file, key or sample, and exit code 1.</summary>
    private static int Guard(Func<int> run)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is DatasetException or ConfigException or VisionException or IOException)
        {
            Console.Error.WriteLine($"mer datasets: {e.Message}");
            return 1;
        }
    }
}

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

/// <summary>`mer datasets inspect|synth`: read the licensed databases into a manifest and report it; write a synthetic twin.</summary>
internal static class DatasetsCommand
{
    public static Command Create() => new("datasets", "Load CASME II, SAMM and SMIC-HS into a manifest, or write synthetic ones.")
    {
        Inspect(),
        Synth(),
    };

    private static Command Inspect()
    {
        var casme2 = new Option<string?>("--casme2") { Description = "CASME II root (sub01/..., CASME2-coding-20140508.xlsx)." };
        var samm = new Option<string?>("--samm") { Description = "SAMM root (006/..., SAMM_Micro_FACS_Codes_v2.xlsx)." };
        var smic = new Option<string?>("--smic") { Description = "SMIC root (HS/s1/micro/...)." };
        var classSet = new Option<string>("--class-set") { Description = "Class set under configs/datasets/ (or a YAML file).", DefaultValueFactory = _ => ClassSet.Megc2019 };
        var manifestOut = new Option<string?>("--manifest") { Description = "Also write the manifest (JSON) to this file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var command = new Command("inspect", "Per database and class: subjects, samples, repairs and exclusions with reasons, beside the official counts.")
        {
            casme2, samm, smic, classSet, manifestOut, json,
        };
        command.SetAction(parse => Guard(() => RunInspect(
            parse.GetValue(smic), parse.GetValue(casme2), parse.GetValue(samm), parse.GetValue(classSet)!, parse.GetValue(manifestOut), parse.GetValue(json))));
        return command;
    }

    private static Command Synth()
    {
        var output = new Option<string>("--out") { Description = "Folder to write CASME2/, SAMM/ and SMIC/ into.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed writes the same bytes.", DefaultValueFactory = _ => 1 };
        var scale = new Option<SynthScale>("--scale") { Description = "full: the MEGC2019 composite's counts; small: 3 subjects per database.", DefaultValueFactory = _ => SynthScale.Full };
        var defects = new Option<bool>("--defects") { Description = "Inject the real sheets' defects (missing apex, offset 0, missing frames...)." };
        var threads = new Option<int>("--threads") { Description = "Clips rendered at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("synth", "Write synthetic CASME II, SAMM and SMIC-HS trees in the official layouts.")
        {
            output, seed, scale, defects, threads,
        };
        command.SetAction(parse => Guard(() => RunSynth(new SynthOptions
        {
            Seed = parse.GetValue(seed),
            Scale = parse.GetValue(scale),
            Defects = parse.GetValue(defects),
            Threads = parse.GetValue(threads),
        }, parse.GetValue(output)!)));
        return command;
    }

    /// <summary>Loads whichever databases are given and builds their manifest under <paramref name="classSetName"/> (a name under configs/datasets/ or a file).</summary>
    internal static (Manifest Manifest, ClassSet ClassSet) Load(string? smic, string? casme2, string? samm, string classSetName)
    {
        var classSet = File.Exists(classSetName) ? ClassSet.Load(classSetName) : ClassSet.Named(classSetName);
        if (smic is null && casme2 is null && samm is null)
            throw new DatasetException("give at least one of --casme2, --samm, --smic");
        return (CompositeBuilder.Load(classSet, smic, casme2, samm), classSet);
    }

    private static int RunInspect(string? smic, string? casme2, string? samm, string classSetName, string? manifestOut, bool json)
    {
        var (manifest, classSet) = Load(smic, casme2, samm, classSetName);
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
        var plan = SynthPlan.Create(options.Scale, options.Seed, options.Defects);
        var watch = Stopwatch.StartNew();
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask($"writing {plan.Clips.Count} clips", maxValue: plan.Clips.Count);
            SyntheticDataset.Write(output, options, () => task.Increment(1));
        });
        AnsiConsole.MarkupLineInterpolated(
            $"wrote {plan.Clips.Count} clips of {plan.Subjects.Count} subjects to {Path.GetFullPath(output)} (CASME2/, SAMM/, SMIC/) in {watch.Elapsed.TotalSeconds:F1} s");
        AnsiConsole.MarkupLineInterpolated(
            $"inspect: mer datasets inspect --casme2 {Path.Combine(output, "CASME2")} --samm {Path.Combine(output, "SAMM")} --smic {Path.Combine(output, "SMIC")}");
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

using System.CommandLine;
using System.Diagnostics;
using MerCluster.Core;
using MerCluster.Core.Grids;
using MerCluster.Datasets.Synthetic;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer demo`: the main job on the embedded default. Generates the synthetic composite once (the hard twin by default,
/// kept under .mer/demo/SCALE-DIFFICULTY/synthetic), preprocesses it through the feature cache, runs
/// configs/sweeps/demo.yaml (STSTNet, 3 grid points, 68 folds each) on an in-process silo with one slot per core, and
/// prints the report table, saying how long each stage will take.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var slots = new Option<int>("--slots") { Description = "Folds trained at once by the in-process silo (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var scale = new Option<SynthScale>("--scale") { Description = "full (the composite's 68 subjects) or small (3 per database, a quick look).", DefaultValueFactory = _ => SynthScale.Full };
        var difficulty = DifficultyOption();
        var directory = new Option<DirectoryInfo>("--dir") { Description = "Where the demo keeps its data, cache and store.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".mer", "demo")) };
        var command = new Command("demo", "Generate the synthetic composite, preprocess it, run the STSTNet demo sweep on this machine and print the report.")
        {
            slots, scale, difficulty, directory,
        };
        command.SetAction(parse => Run(parse.GetValue(slots), parse.GetValue(scale), parse.GetValue(difficulty), parse.GetValue(directory)!));
        return command;
    }

    /// <summary>The twin's difficulty, shared with `mer datasets synth` and `mer bench models`.</summary>
    internal static Option<SynthDifficulty> DifficultyOption() => new("--difficulty")
    {
        Description = "hard: amplitudes, identities, head motion and flicker like the real databases, a few ambiguous clips; easy: clearly separable (fast tests).",
        DefaultValueFactory = _ => SynthDifficulty.Hard,
    };

    /// <summary>
    /// Where a run at <paramref name="scale"/> on the <paramref name="difficulty"/> twin keeps its trees, cache and stores:
    /// one folder per (scale, difficulty), so two twins never share a tree, a feature set or a sweep.
    /// </summary>
    internal static string RootOf(DirectoryInfo directory, SynthScale scale, SynthDifficulty difficulty) =>
        Path.Combine(directory.FullName, $"{scale}-{difficulty}".ToLowerInvariant());

    private static int Run(int slots, SynthScale scale, SynthDifficulty difficulty, DirectoryInfo directory)
    {
        using var stop = new StopSignal(signal => Console.Error.WriteLine($"{signal}: stopping; `mer demo` again resumes"));
        return SweepCommand.Guard(async () =>
        {
            var clock = Stopwatch.StartNew();
            var root = RootOf(directory, scale, difficulty);
            var synthetic = EnsureSynthetic(Path.Combine(root, "synthetic"), scale, difficulty);
            string[] databases = ["casme2", "samm", "smic"];
            var overrides = databases.Select(db => new GridOverride($"dataset.{db}", Path.Combine(synthetic, SynthPlan.FolderOf(db)), Quoted: true)).ToList();
            var url = "sqlite:" + Path.Combine(root, "store.db");
            Console.WriteLine($"running {Path.Combine("configs", "sweeps", "demo.yaml")}: 3 learning rates x {(scale == SynthScale.Full ? 68 : 9)} folds of STSTNet "
                + $"with {slots} slots ({(scale == SynthScale.Full ? "about 10 minutes" : "about a minute")} on 2 cores; the ETA below follows the measured fold time)");
            var sweepId = await SweepCommand.RunAsync(Path.Combine(RepositoryPaths.Configs, "sweeps", "demo.yaml"), Enumerable.Repeat("cpu", slots).ToList(), url,
                Path.Combine(root, "cache"), overrides, stop.Token);
            await using var store = await CoordinationStore.OpenAsync(url);
            var report = await SweepReportLoader.LoadAsync(store, sweepId);
            Console.WriteLine();
            Console.WriteLine(MarkdownReport.Render(report));
            Console.WriteLine($"demo done in {clock.Elapsed:hh\\:mm\\:ss}; more: mer report {sweepId} --store {url} --format latex --out DIR");
            return sweepId;
        });
    }

    /// <summary>Writes the synthetic trees unless a previous run finished them (a marker file is written last).</summary>
    internal static string EnsureSynthetic(string directory, SynthScale scale, SynthDifficulty difficulty)
    {
        var marker = Path.Combine(directory, ".complete");
        if (File.Exists(marker))
        {
            Console.WriteLine($"synthetic composite: reusing {directory}");
            return directory;
        }
        // A run stopped half way left trees without the marker: start them again.
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        var plan = SynthPlan.Create(scale, seed: 1, defects: false, difficulty: difficulty);
        Console.WriteLine($"synthetic composite ({difficulty.ToString().ToLowerInvariant()}): writing {plan.Clips.Count} clips to {directory} (once; about {Math.Max(1, plan.Clips.Count / 100)} minute(s) on 2 cores)");
        var clock = Stopwatch.StartNew();
        var done = 0;
        SyntheticDataset.Write(directory, new SynthOptions { Scale = scale, Seed = 1, Difficulty = difficulty }, () =>
        {
            var n = Interlocked.Increment(ref done);
            if (n % 50 == 0 || n == plan.Clips.Count)
            {
                var left = clock.Elapsed / n * (plan.Clips.Count - n);
                Console.WriteLine($"  {n}/{plan.Clips.Count} clips, about {left.TotalMinutes:0.0} min left");
            }
        });
        File.WriteAllText(marker, DateTime.UtcNow.ToString("O"));
        return directory;
    }
}

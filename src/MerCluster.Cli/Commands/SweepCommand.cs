using System.CommandLine;
using System.Diagnostics;
using MerCluster.Core.Configuration;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Workers;

namespace MerCluster.Cli.Commands;

/// <summary>`mer sweep run FILE [--workers N] [--store URL]` and `mer sweep submit FILE --store URL`.</summary>
internal static class SweepCommand
{
    public static Command Create() => new("sweep", "Run a sweep (grid points x LOSO folds) here, or submit it for workers elsewhere.")
    {
        CreateRun(),
        CreateSubmit(),
    };

    private static Command CreateRun()
    {
        var file = new Argument<FileInfo>("file") { Description = "The sweep file (configs/sweeps/*.yaml)." };
        var workers = new Option<int>("--workers") { Description = "In-process workers (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var store = StoreOption.Create();
        var device = new Option<string>("--device") { Description = "Device of the in-process workers: cpu or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var cache = CacheOption();
        var command = new Command("run", "Run a sweep on this machine with N in-process workers; re-running it after a crash resumes where it stopped.")
        {
            file, workers, store, device, cache,
        };
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.GetValue(workers), parse.GetValue(store)!, parse.GetValue(device)!, parse.GetValue(cache)!));
        return command;
    }

    private static Command CreateSubmit()
    {
        var file = new Argument<FileInfo>("file") { Description = "The sweep file (configs/sweeps/*.yaml)." };
        var store = StoreOption.Create(required: true);
        var cache = CacheOption();
        var command = new Command("submit", "Write a sweep's trials and folds to the store for `mer worker` processes to pull.") { file, store, cache };
        command.SetAction(parse => Submit(parse.GetValue(file)!, parse.GetValue(store)!, parse.GetValue(cache)!));
        return command;
    }

    private static Option<DirectoryInfo> CacheOption() => new("--cache")
    {
        Description = "Feature cache for sweeps that name a dataset and a pipeline (on a shared filesystem for workers elsewhere).",
        DefaultValueFactory = _ => new DirectoryInfo(SweepFeatures.DefaultCacheRoot),
    };

    private static int Run(FileInfo file, int workers, string url, string device, DirectoryInfo cache)
    {
        if (workers < 1)
        {
            Console.Error.WriteLine($"--workers {workers}: at least 1");
            return 2;
        }
        using var stop = new StopSignal(signal => Console.Error.WriteLine($"{signal}: giving the running folds back; run the same command again to resume"));
        return Guard(() => RunAsync(file.FullName, workers, url, device, cache.FullName, [], stop.Token));
    }

    /// <summary>Runs a sweep with a live progress view; returns the sweep's id (the demo reports on it).</summary>
    internal static async Task<string> RunAsync(string file, int workers, string url, string device, string cache,
        IReadOnlyList<Core.Grids.GridOverride> overrides, CancellationToken stop)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var definition = await PrepareAsync(store, SweepDefinition.Load(file, overrides), cache, stop);
        var log = new List<string>();
        var sweep = new EmbeddedSweep(store, definition, new FoldRunners(new TrainingFoldRunner()), message => { lock (log) log.Add(message); }, cache);
        var running = sweep.RunAsync(workers, device, stop);
        await SweepProgressView.FollowAsync(store, () => sweep.Submitted?.Id, workers, running);
        var submitted = await running;
        foreach (var line in log.Where(l => l.Contains("failed") || l.Contains("dead")))
            Console.Error.WriteLine(line);
        var progress = await store.ProgressAsync(submitted.Id);
        Console.WriteLine(stop.IsCancellationRequested
            ? $"sweep {submitted.Id} stopped: {progress.Sum(p => p.Done)}/{submitted.Folds} folds done; run the same command to resume"
            : $"sweep {submitted.Id}: {progress.Sum(p => p.Done)} folds done, {progress.Sum(p => p.Failed)} failed (mer report {submitted.Id} --store {url})");
        return submitted.Id;
    }

    /// <summary>Computes the sweep's features if it names a dataset and a pipeline, saying how far it is and how long is left.</summary>
    private static Task<SweepDefinition> PrepareAsync(CoordinationStore store, SweepDefinition definition, string cache, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        return SweepFeatures.PrepareAsync(store, definition, cache, Console.WriteLine, (done, total) =>
        {
            lock (clock)
            {
                if (done != total && clock.Elapsed - lastReport < TimeSpan.FromSeconds(10))
                    return;
                lastReport = clock.Elapsed;
                var left = clock.Elapsed / done * (total - done);
                Console.WriteLine($"  preprocessed {done}/{total} samples, about {left.TotalMinutes:0.0} min left");
            }
        }, stop);
    }

    private static int Submit(FileInfo file, string url, DirectoryInfo cache) => Guard(async () =>
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var definition = await PrepareAsync(store, SweepDefinition.Load(file.FullName), cache.FullName, CancellationToken.None);
        var submitted = await SweepSubmitter.SubmitAsync(store, definition, new FeatureSetCache());
        Console.WriteLine(submitted.Created
            ? $"submitted sweep {submitted.Id}: {submitted.Trials} trials x {submitted.FoldsPerTrial} folds to {store.Location}"
            : $"sweep {submitted.Id} is already in {store.Location}; nothing changed");
        return submitted.Id;
    });

    /// <summary>Runs a command's work; a bad sweep file or store is one clear message and exit code 1, not a stack trace.</summary>
    internal static int Guard(Func<Task<string>> work)
    {
        try
        {
            work().GetAwaiter().GetResult();
            return 0;
        }
        catch (Exception e) when (e is ConfigException or StoreException or InvalidDataException or FileNotFoundException or ArgumentException
            or InvalidOperationException or Datasets.DatasetException or Pipeline.PreprocessingException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}

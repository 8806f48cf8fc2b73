using System.CommandLine;
using System.Diagnostics;
using MerCluster.Core.Configuration;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer sweep run FILE [--slots N | --device D ...]` (embedded: a silo in this process), and against a running cluster
/// `mer sweep submit FILE --store URL`, `mer sweep cancel ID --store URL`.
/// </summary>
internal static class SweepCommand
{
    public static Command Create() => new("sweep", "Run a sweep (grid points x LOSO folds) here, or submit it to a cluster of silos.")
    {
        CreateRun(),
        CreateSubmit(),
        CreateCancel(),
    };

    private static Command CreateRun()
    {
        var file = new Argument<FileInfo>("file") { Description = "The sweep file (configs/sweeps/*.yaml)." };
        var slots = SiloCommand.SlotsOption("Folds trained at once on the CPU (default: one per core). Not with --device.");
        var devices = SiloCommand.DeviceOption();
        var store = StoreOption.Create();
        var cache = CacheOption();
        var artifacts = ArtifactOptions.Store();
        var command = new Command("run", "Run a sweep on this machine: one silo in this process on the store (default: a local SQLite file); running it again after a stop resumes it.")
        {
            file, slots, devices, store, cache, artifacts,
        };
        command.SetAction(parse =>
        {
            if (SiloCommand.Slots(parse.GetValue(devices) ?? [], parse.GetValue(slots), Environment.ProcessorCount) is not { } list)
                return 2;
            if (list.Count == 0)
            {
                Console.Error.WriteLine("--slots 0: an embedded sweep needs at least one slot to train on");
                return 2;
            }
            using var stop = new StopSignal(signal => Console.Error.WriteLine($"{signal}: giving the running folds back; run the same command again to resume"));
            return Guard(() => RunAsync(parse.GetValue(file)!.FullName, list, parse.GetValue(store)!, parse.GetValue(cache)!.FullName, [], stop.Token,
                parse.GetValue(artifacts)));
        });
        return command;
    }

    private static Command CreateSubmit()
    {
        var file = new Argument<FileInfo>("file") { Description = "The sweep file (configs/sweeps/*.yaml)." };
        var store = StoreOption.Create(required: true);
        var artifacts = ArtifactOptions.Store();
        artifacts.Description = "The silos' artifact store when it is blob storage (azblob://CONTAINER/PREFIX): a sweep's own features folder is uploaded "
            + "there, so silos without a shared filesystem can train on it (default: $MER_ARTIFACTS).";
        var cache = CacheOption();
        var command = new Command("submit", "Start a sweep on the cluster of silos running on the store, and return (a sweep naming a dataset has its features computed by the silos first).")
        {
            file, store, artifacts, cache,
        };
        command.SetAction(parse => Guard(() => SubmitAsync(parse.GetValue(file)!.FullName, parse.GetValue(store)!, parse.GetValue(artifacts), parse.GetValue(cache)!.FullName)));
        return command;
    }

    private static Command CreateCancel()
    {
        var sweep = new Argument<string>("sweep") { Description = "The sweep's id or name." };
        var store = StoreOption.Create(required: true);
        var command = new Command("cancel", "Cancel a sweep on the cluster: pending folds fail as cancelled, running ones stop; finished folds keep their results.") { sweep, store };
        command.SetAction(parse => Guard(() => CancelAsync(parse.GetValue(sweep)!, parse.GetValue(store)!)));
        return command;
    }

    private static Option<DirectoryInfo> CacheOption() => new("--cache")
    {
        Description = "This machine's disk folder: the artifact store (feature cache, feature sets, checkpoints) when --artifacts is not given, else the local copies of the remote store.",
        DefaultValueFactory = _ => new DirectoryInfo(SweepFeatures.DefaultCacheRoot),
    };

    /// <summary>Runs a sweep on an embedded silo with a live progress view; returns the sweep's id (the demo reports on it).</summary>
    internal static async Task<string> RunAsync(string file, IReadOnlyList<string> devices, string url, string cache,
        IReadOnlyList<Core.Grids.GridOverride> overrides, CancellationToken stop, string? artifacts = null)
    {
        var definition = SweepDefinition.Load(file, overrides);
        var log = new List<string>();
        using var view = new SweepProgressView(devices.Count);
        var submitted = await EmbeddedSweep.RunAsync(url, definition, devices, cache, (_, status) => view.Show(status),
            message =>
            {
                if (message.StartsWith("preprocess", StringComparison.Ordinal) || message.StartsWith("left out", StringComparison.Ordinal))
                    Console.WriteLine(message);
                else
                    lock (log)
                        log.Add(message);
            }, stop, Progress(), artifacts);
        view.Dispose();
        foreach (var line in log)
            Console.Error.WriteLine(line);
        var status = submitted.Status;
        Console.WriteLine(stop.IsCancellationRequested
            ? $"sweep {submitted.Id} stopped: {status.Done}/{submitted.Folds} folds done; run the same command to resume"
            : $"sweep {submitted.Id}: {status.Done} folds done, {status.Failed} failed (mer report {submitted.Id} --store {url})");
        return submitted.Id;
    }

    private static async Task<string> SubmitAsync(string file, string url, string? artifactsUrl, string cache)
    {
        var definition = SweepDefinition.Load(file);
        var artifacts = artifactsUrl is null ? null : SiloArtifacts.Open(artifactsUrl, cache);
        if (artifacts is not null)
            definition = SweepFeatures.Upload(definition, artifacts, Console.WriteLine);
        await using var cluster = await ClusterConnection.ConnectAsync(url);
        var plan = SweepSubmitter.Plan(await SweepFeatures.PrepareAsync(cluster.Grains, definition, Console.WriteLine, Progress()), new FeatureSetCache(artifacts));
        var submitted = await SweepSubmitter.SubmitAsync(cluster.Grains, cluster.Store, plan);
        Console.WriteLine(submitted.Created
            ? $"submitted sweep {submitted.Id}: {submitted.Trials} trials x {submitted.FoldsPerTrial} folds to the cluster on {cluster.Store.Location}"
            : $"sweep {submitted.Id} is already on the cluster ({submitted.Status.Done}/{submitted.Folds} folds done); it carries on");
        return submitted.Id;
    }

    private static async Task<string> CancelAsync(string name, string url)
    {
        await using var cluster = await ClusterConnection.ConnectAsync(url);
        var sweep = await cluster.Store.FindSweepAsync(name) ?? throw new ArgumentException($"no sweep '{name}' in {cluster.Store.Location}");
        var status = await cluster.Grains.GetGrain<ISweepGrain>(sweep.Id).Cancel();
        Console.WriteLine($"sweep {sweep.Id} {status.State}: {status.Done} folds done, {status.Failed} failed or cancelled, {status.Running} still stopping");
        return sweep.Id;
    }

    /// <summary>How far preprocessing is and how long is left, at most every 10 s.</summary>
    internal static Action<int, int> Progress()
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        return (done, total) =>
        {
            lock (clock)
            {
                if (done != total && clock.Elapsed - lastReport < TimeSpan.FromSeconds(10))
                    return;
                lastReport = clock.Elapsed;
                var left = clock.Elapsed / done * (total - done);
                Console.WriteLine($"  preprocessed {done}/{total} samples, about {left.TotalMinutes:0.0} min left");
            }
        };
    }

    /// <summary>Runs a command's work; a bad sweep file or store is one clear message and exit code 1, not a stack trace.</summary>
    internal static int Guard(Func<Task<string>> work)
    {
        try
        {
            work().GetAwaiter().GetResult();
            return 0;
        }
        catch (Exception e) when (e is ConfigException or StoreException or InvalidDataException or FileNotFoundException or ArgumentException
            or InvalidOperationException or Datasets.DatasetException or Pipeline.PreprocessingException or Artifacts.ArtifactStoreException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}

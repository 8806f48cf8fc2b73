using System.CommandLine;
using MerCluster.Orchestration.Leasing;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Workers;
using MerCluster.Server;

namespace MerCluster.Cli.Commands;

/// <summary>`mer worker --store URL --device cpu|cuda:N [--name NAME]`: one worker bound to one device, pulling folds until stopped.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var store = StoreOption.Create();
        var device = new Option<string>("--device") { Description = "The device folds train on: cpu or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var name = new Option<string?>("--name") { Description = "Name in the membership table (default host-pid-device)." };
        var exitWhenIdle = new Option<bool>("--exit-when-idle") { Description = "Exit once no fold is pending or leased, instead of waiting for new sweeps." };
        var sweep = new Option<string?>("--sweep") { Description = "Only take folds of this sweep (id or name)." };
        var lease = new Option<TimeSpan>("--lease")
        {
            Description = $"Lease duration: a fold whose lease is not renewed this long goes to another worker (default {LeaseOptions.DefaultLeaseDuration.TotalSeconds:0} s).",
            DefaultValueFactory = _ => LeaseOptions.DefaultLeaseDuration,
            CustomParser = result => Durations.Parse(result.Tokens[0].Value, result),
        };
        var heartbeat = new Option<TimeSpan>("--heartbeat")
        {
            Description = $"How often the lease is renewed and the worker heartbeats (default {LeaseOptions.DefaultHeartbeatInterval.TotalSeconds:0} s).",
            DefaultValueFactory = _ => LeaseOptions.DefaultHeartbeatInterval,
            CustomParser = result => Durations.Parse(result.Tokens[0].Value, result),
        };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Serve Prometheus metrics on this port (0: none)." };
        var threads = new Option<int>("--threads") { Description = "Training threads per fold (0: the sweep's train.threads)." };
        var checkpoints = new Option<DirectoryInfo>("--checkpoints")
        {
            Description = "Where folds save their training every train.checkpoint_every epochs (default every epoch) and resume from after a crash or SIGTERM; give every worker the same shared folder so a fold resumes on any of them (default: .mer/cache/checkpoints).",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(SweepFeatures.DefaultCacheRoot, "checkpoints")),
        };
        var command = new Command("worker", "Pull folds from the coordination store and train them on one device until stopped (SIGTERM gives the current fold back).")
        {
            store, device, name, exitWhenIdle, sweep, lease, heartbeat, threads, checkpoints, metricsPort,
        };
        command.SetAction(parse => Run(parse.GetValue(store)!, parse.GetValue(device)!, parse.GetValue(name), parse.GetValue(exitWhenIdle),
            parse.GetValue(sweep), parse.GetValue(lease), parse.GetValue(heartbeat), parse.GetValue(threads), parse.GetValue(checkpoints)!.FullName, parse.GetValue(metricsPort)));
        return command;
    }

    private static int Run(string url, string device, string? name, bool exitWhenIdle, string? sweep, TimeSpan lease, TimeSpan heartbeat, int threads, string checkpoints, int metricsPort)
    {
        if (device != "cpu" && !System.Text.RegularExpressions.Regex.IsMatch(device, "^cuda:[0-9]+$"))
        {
            Console.Error.WriteLine($"--device '{device}': expected cpu or cuda:N");
            return 2;
        }
        if (heartbeat * 2 > lease)
        {
            Console.Error.WriteLine($"--heartbeat {heartbeat.TotalSeconds} s must be at most half of --lease {lease.TotalSeconds} s");
            return 2;
        }
        using var stop = new StopSignal(signal => Console.Error.WriteLine($"{signal}: stopping after giving back the current fold"));
        return RunAsync().GetAwaiter().GetResult();

        async Task<int> RunAsync()
        {
            await using var metrics = metricsPort > 0 ? MetricsEndpoint.Start(metricsPort) : null;
            await using var coordination = await CoordinationStore.OpenAsync(url);
            string? sweepId = null;
            if (sweep is not null)
                sweepId = (await coordination.FindSweepAsync(sweep))?.Id
                    ?? throw new ArgumentException($"--sweep '{sweep}': no such sweep in {coordination.Location}");
            var recovered = await LocalWorkerRecovery.ExpireDeadLocalWorkersAsync(coordination);
            if (recovered.Count > 0)
                Console.Error.WriteLine($"ended the leases of dead local workers: {string.Join(", ", recovered)}");
            var options = new WorkerOptions
            {
                Name = name ?? WorkerOptions.DefaultName(device),
                Device = device,
                Threads = threads,
                Checkpoints = checkpoints,
                Lease = new LeaseOptions { LeaseDuration = lease, HeartbeatInterval = heartbeat },
                PollInterval = heartbeat < WorkerOptions.DefaultPollInterval ? heartbeat : WorkerOptions.DefaultPollInterval,
                ExitWhenIdle = exitWhenIdle,
                SweepId = sweepId,
            };
            var worker = new Worker(coordination, options, new FoldRunners(new TrainingFoldRunner()), new SweepContexts(coordination), new FeatureSetCache(),
                message => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {message}"));
            await worker.RunAsync(stop.Token);
            Console.Error.WriteLine($"worker {options.Name}: {worker.FoldsDone} done, {worker.FoldsFailed} failed, {worker.FoldsReleased} given back");
            return 0;
        }
    }
}

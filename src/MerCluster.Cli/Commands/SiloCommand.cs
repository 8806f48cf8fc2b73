using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Server;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer silo --store URL (--device cuda:0 [--device cuda:1 ...] | --slots N) [--cache DIR] [--artifacts URL] [--metrics-port P]`: an
/// Orleans silo of the cluster on that store, training one fold per device slot until stopped (SIGTERM or Ctrl-C give
/// the running folds back).
/// </summary>
internal static partial class SiloCommand
{
    public static Command Create()
    {
        var store = StoreOption.Create();
        var devices = DeviceOption();
        var slots = SlotsOption("CPU slots: folds this silo trains at once on the CPU (0: it hosts grains but never trains). Not with --device.");
        var cache = new Option<DirectoryInfo>("--cache")
        {
            Description = "This silo's disk folder: the artifact store itself when --artifacts is not given (then a folder every silo sees), else the local copies of the remote store (default: .mer/cache).",
            DefaultValueFactory = _ => new DirectoryInfo(SweepFeatures.DefaultCacheRoot),
        };
        var artifacts = ArtifactOptions.Store();
        var cacheSize = ArtifactOptions.CacheSize();
        var threads = new Option<int>("--threads") { Description = "Training threads per slot (default: the cores shared out over the slots)." };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Serve Prometheus metrics at /metrics on this port, on every interface (0: none)." };
        var name = new Option<string?>("--name") { Description = "The silo's name in the membership table (default host-pid)." };
        var address = new Option<string?>("--address") { Description = "The address other silos reach this one at (default: loopback for a SQLite store, else this host's first IPv4)." };
        var port = new Option<int>("--port") { Description = "Silo-to-silo port (default: a free one)." };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port clients (mer sweep submit, mer server) connect to (default: a free one)." };
        var kubernetes = new Option<bool>("--kubernetes")
        {
            Description = "Running in a Kubernetes pod: the silo is named after POD_NAME and watches its cluster's pods (labels orleans/clusterId and orleans/serviceId = mercluster) in POD_NAMESPACE, so a deleted pod's silo is declared dead at once. Needs a Role to get, list and watch pods.",
        };
        var storePatience = new Option<TimeSpan>("--store-patience")
        {
            Description = "How long each store operation waits for an unreachable store (PostgreSQL restarting, a locked SQLite file) before it fails: 500ms, 30s, 5m...",
            DefaultValueFactory = _ => StoreRetry.DefaultPatience,
            CustomParser = result => Durations.Parse(result.Tokens.Single().Value, result),
        };
        var command = new Command("silo", "Join the cluster on a store as an Orleans silo and train one fold per device slot until stopped (SIGTERM gives running folds back).")
        {
            store, devices, slots, cache, artifacts, cacheSize, threads, metricsPort, name, address, port, gatewayPort, kubernetes, storePatience,
        };
        command.SetAction(parse =>
        {
            if (Slots(parse.GetValue(devices) ?? [], parse.GetValue(slots)) is not { } list)
                return 2;
            IPAddress? ip = null;
            if (parse.GetValue(address) is { } text && !IPAddress.TryParse(text, out ip))
            {
                Console.Error.WriteLine($"--address '{text}': not an IP address");
                return 2;
            }
            if (parse.GetValue(kubernetes) && KubernetesPodVariables.FirstOrDefault(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))) is { } unset)
            {
                Console.Error.WriteLine($"--kubernetes: {unset} is not set; give the pod POD_NAME and POD_NAMESPACE (and POD_IP) from the downward API (fieldRef metadata.name, metadata.namespace, status.podIP)");
                return 2;
            }
            return Run(new SiloSettings
            {
                StoreUrl = parse.GetValue(store)!,
                Devices = list,
                ThreadsPerSlot = parse.GetValue(threads),
                CacheRoot = parse.GetValue(cache)!.FullName,
                Artifacts = parse.GetValue(artifacts),
                CacheBytes = ArtifactOptions.Bytes(parse.GetValue(cacheSize)),
                Name = parse.GetValue(name),
                Address = ip,
                SiloPort = parse.GetValue(port),
                GatewayPort = parse.GetValue(gatewayPort),
                Kubernetes = parse.GetValue(kubernetes),
                StorePatience = parse.GetValue(storePatience),
                Log = message => Console.Error.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {message}"),
            }, parse.GetValue(metricsPort));
        });
        return command;
    }

    /// <summary>What Orleans' Kubernetes hosting reads to find this silo's pod and its namespace.</summary>
    private static readonly string[] KubernetesPodVariables = ["POD_NAME", "POD_NAMESPACE"];

    internal static Option<string[]> DeviceOption() => new("--device")
    {
        Description = "A device to train on, one slot each: cuda:N (repeat for several GPUs) or cpu.",
    };

    internal static Option<int?> SlotsOption(string description) => new("--slots") { Description = description };

    /// <summary>The slots' devices from --device and --slots; null (after saying why) when they are wrong.</summary>
    internal static IReadOnlyList<string>? Slots(string[] devices, int? slots, int defaultSlots = 1)
    {
        if (devices.Length > 0 && slots is not null)
        {
            Console.Error.WriteLine("give either --device (one slot per device) or --slots N (CPU slots), not both");
            return null;
        }
        if (slots is < 0)
        {
            Console.Error.WriteLine($"--slots {slots}: at least 0");
            return null;
        }
        foreach (var device in devices)
            if (!DevicePattern().IsMatch(device))
            {
                Console.Error.WriteLine($"--device '{device}': expected cpu or cuda:N");
                return null;
            }
        if (devices.Where(d => d != "cpu").GroupBy(d => d).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            Console.Error.WriteLine($"--device {twice.Key} is named twice: one slot per GPU");
            return null;
        }
        return devices.Length > 0 ? devices : Enumerable.Repeat("cpu", slots ?? defaultSlots).ToList();
    }

    private static int Run(SiloSettings settings, int metricsPort)
    {
        using var stop = new StopSignal(signal => Console.Error.WriteLine($"{signal}: stopping; running folds are given back"));
        try
        {
            return RunAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is StoreException or Artifacts.ArtifactStoreException or ArgumentException or InvalidOperationException or IOException)
        {
            // The metrics exporter's listener fails to start with a message that names no port.
            Console.Error.WriteLine(e.InnerException is HttpListenerException listener ? $"--metrics-port {metricsPort}: {listener.Message}" : e.Message);
            return 1;
        }

        async Task<int> RunAsync()
        {
            using var host = await SiloHost.StartAsync(settings, stop.Token, metricsPort > 0 ? builder => MetricsExport.AddSiloMetrics(builder, metricsPort) : null);
            var siloName = settings.Kubernetes ? Environment.GetEnvironmentVariable("POD_NAME") : settings.Name ?? $"{Environment.MachineName}-{Environment.ProcessId}";
            Console.WriteLine($"silo {siloName} joined the cluster on {StoreLocation.Parse(settings.StoreUrl)} "
                + (settings.Devices.Count == 0 ? "with no slots (hosts grains, never trains)"
                    : $"with {settings.Devices.Count} slot(s): {string.Join(", ", settings.Devices)}; artifacts in {settings.Artifacts ?? settings.CacheRoot}"));
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await host.StopAsync(CancellationToken.None);
            Console.WriteLine("silo stopped");
            return 0;
        }
    }

    [GeneratedRegex("^(cpu|cuda:[0-9]+)$")]
    private static partial Regex DevicePattern();
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// The `mer silo` child processes of a cluster benchmark, all on one store: started from this very `mer` binary, waited
/// for until they joined, SIGKILLed one by one as a crash would, and every one still running killed when the benchmark
/// ends, fails, or is stopped with Ctrl-C/SIGTERM.
/// </summary>
internal sealed class SiloProcesses : IAsyncDisposable
{
    /// <summary>How long a silo may take to join the cluster (several starting at once on 2 cores take a few seconds each).</summary>
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(90);

    private static readonly ConcurrentDictionary<int, Process> Children = new();
    private static readonly object GuardLock = new();
    private static PosixSignalRegistration[]? _signals;

    private readonly string _storeUrl;
    private readonly string _prefix;
    private readonly string _cache;
    private readonly List<SiloProcess> _silos = [];
    private int _started;

    public SiloProcesses(string storeUrl, string prefix, string scratch)
    {
        InstallExitGuard();
        _storeUrl = storeUrl;
        _prefix = prefix;
        _cache = Path.Combine(scratch, "cache");
    }

    /// <summary>The silos started and not killed (nor exited).</summary>
    public IReadOnlyList<SiloProcess> Running => _silos.Where(s => !s.HasExited).ToList();

    /// <summary>Every silo process started, running or ended.</summary>
    public IReadOnlyList<SiloProcess> All => _silos.ToList();

    /// <summary>How many silo processes this cluster started in all.</summary>
    public int Started => _started;

    /// <summary>Starts one silo (named prefix-N) and returns without waiting for it to join.</summary>
    public SiloProcess Start(int slots = 1)
    {
        var name = $"{_prefix}-{++_started}";
        var (program, first) = MerCommandLine();
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in first.Concat(["silo", "--store", _storeUrl, "--slots", slots.ToString(), "--name", name,
                     "--address", "127.0.0.1", "--cache", _cache]))
            info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        Children[process.Id] = process;
        var silo = new SiloProcess(name, process);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Starts <paramref name="count"/> silos at once and waits until each has joined.</summary>
    public async Task<IReadOnlyList<SiloProcess>> StartJoinedAsync(int count, int slots = 1)
    {
        var silos = Enumerable.Range(0, count).Select(_ => Start(slots)).ToList();
        foreach (var silo in silos)
            await silo.WaitJoinedAsync(JoinTimeout);
        return silos;
    }

    public SiloProcess? Named(string? name) => _silos.FirstOrDefault(s => s.Name == name);

    /// <summary>SIGKILL, as a crash would: the silo gives nothing back.</summary>
    public static void Kill(SiloProcess silo)
    {
        silo.Kill();
        Children.TryRemove(silo.Id, out _);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            Kill(silo);
            await silo.WaitExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The program and first arguments that run this `mer` again: `dotnet mer.dll`, or the apphost itself.</summary>
    private static (string Program, string[] First) MerCommandLine()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "mer.dll");
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) != "dotnet" && File.Exists(self))
            return (self, []);
        return (self ?? "dotnet", [dll]);
    }

    /// <summary>Every child silo dies with the benchmark, whether it ends, throws, or is stopped with Ctrl-C or SIGTERM.</summary>
    private static void InstallExitGuard()
    {
        lock (GuardLock)
        {
            if (_signals is not null)
                return;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            _signals =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop),
            ];
        }

        static void Stop(PosixSignalContext context)
        {
            Console.Error.WriteLine($"{context.Signal}: killing {Children.Count} silo process(es) of the benchmark");
            KillAll();
            // Not cancelled: the benchmark exits as the signal says.
        }
    }

    private static void KillAll()
    {
        foreach (var (id, process) in Children)
        {
            try
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            catch (Exception)
            {
            }
            Children.TryRemove(id, out _);
        }
    }
}

/// <summary>One `mer silo` child process: its name in the membership table and its output, kept for timeout messages.</summary>
internal sealed class SiloProcess
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public SiloProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public bool Killed { get; private set; }

    /// <summary>It said it joined the cluster.</summary>
    public bool Joined => Output.Contains("joined the cluster", StringComparison.Ordinal);

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public async Task WaitJoinedAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Joined)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"silo {Name} exited ({_process.ExitCode}) before joining the cluster:\n{Tail()}");
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"silo {Name} did not join the cluster within {timeout.TotalSeconds:0} s:\n{Tail()}");
            await Task.Delay(50);
        }
    }

    public void Kill()
    {
        Killed = true;
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async Task WaitExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The last lines of the silo's output.</summary>
    public string Tail(int lines = 20) =>
        string.Join('\n', Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines).Select(l => $"  [{Name}] {l}"));

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}

/// <summary>The sweeps the cluster benchmarks run: composite-shaped features, no-op sweep files, submitting, waiting with a deadline.</summary>
internal static class BenchSweeps
{
    // The composite's subjects per part (DOMAIN.md): 68 folds, 442 samples.
    private static readonly (string Database, string Prefix, int Subjects)[] Parts = [("smic", "s", 16), ("casme2", "sub", 24), ("samm", "", 28)];

    /// <summary>68 subjects as in the composite, 6 or 7 samples each (442 in all), with tiny inputs: only the orchestration is measured.</summary>
    public static FeatureSet CompositeShapedFeatures(int subjectLimit = int.MaxValue)
    {
        string[] classes = ["negative", "positive", "surprise"];
        var samples = new List<FeatureSample>();
        var subjectIndex = 0;
        foreach (var (database, prefix, subjects) in Parts)
            for (var s = 1; s <= subjects && subjectIndex < subjectLimit; s++, subjectIndex++)
            {
                var subject = $"{database}/{prefix}{(prefix.Length == 0 ? s.ToString("000") : s.ToString())}";
                var count = subjectIndex < 34 ? 7 : 6;
                for (var c = 0; c < count; c++)
                    samples.Add(new FeatureSample($"{subject}/clip{c}", subject, database, classes[(c + s) % 3]));
            }
        return new FeatureSet(classes, samples, [KeyValuePair.Create("flow", new NdArray<float>([samples.Count, 1, 2, 2], new float[samples.Count * 4]))]);
    }

    /// <summary>Writes a sweep file over <paramref name="features"/> and loads it; <paramref name="extra"/> adds top-level keys (max_attempts, grid).</summary>
    public static SweepDefinition Write(string scratch, string name, string features, string model, string extra = "")
    {
        var path = Path.Combine(scratch, $"{name}.yaml");
        File.WriteAllText(path, $"name: {name}\nfeatures: {features}\nmodel: {model}\n{extra}");
        return SweepDefinition.Load(path);
    }

    /// <summary>Submits the sweep to the cluster on the store through a client, which is closed again: the silos carry it on.</summary>
    public static async Task<SweepPlan> SubmitAsync(string storeUrl, SweepDefinition definition)
    {
        var plan = SweepSubmitter.Plan(definition, new FeatureSetCache());
        await using var cluster = await ClusterConnection.ConnectAsync(storeUrl);
        await SweepSubmitter.SubmitAsync(cluster.Grains, cluster.Store, plan);
        return plan;
    }

    /// <summary>Polls the store until the sweep is complete; a timeout names the folds' states and the silos' last lines.</summary>
    public static async Task WaitCompleteAsync(CoordinationStore store, string sweepId, TimeSpan timeout, SiloProcesses? silos = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if ((await store.FindSweepAsync(sweepId))?.State is { } state && state != SweepStates.Running)
                return;
            if (clock.Elapsed > timeout)
            {
                var progress = await store.ProgressAsync(sweepId);
                throw new TimeoutException($"sweep {sweepId} did not complete within {timeout.TotalSeconds:0} s: "
                    + $"{progress.Sum(p => p.Done)} folds done, {progress.Sum(p => p.Running)} running, {progress.Sum(p => p.Pending)} pending, "
                    + $"{progress.Sum(p => p.Failed)} failed" + (silos is null ? "" : "\n" + string.Join('\n', silos.Running.Select(s => s.Tail(8)))));
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <paramref name="probe"/> every 50 ms until it gives a value; a timeout says what was awaited.</summary>
    public static async Task<T> WaitForAsync<T>(string what, TimeSpan timeout, Func<Task<T?>> probe) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await probe() is { } value)
                return value;
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
    }

    /// <summary>A PostgreSQL database for the cluster (a throwaway server, or --postgres), else a fresh SQLite file shared by the silos.</summary>
    public static async Task<string> StoreUrlAsync(Func<Task<string>>? postgres, string scratch, string name) =>
        postgres is not null ? await postgres() : "sqlite:" + Path.Combine(scratch, $"{name}.db");
}

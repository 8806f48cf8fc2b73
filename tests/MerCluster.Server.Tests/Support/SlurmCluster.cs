using System.Diagnostics;

namespace MerCluster.Server.Tests.Support;

/// <summary>
/// A real single-node Slurm (Debian's slurm-wlm 22.05) for a test, as ../shared/PLATFORM.md describes: munged as the
/// munge user on its own key and socket, slurmctld and slurmd as root with a private config (proctrack/linuxproc,
/// task/none, no accounting, one node with this machine's CPUs) on free ports; all stopped and deleted when disposed.
/// Client commands find the cluster through <see cref="Environment"/> (SLURM_CONF).
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<string> _pidFiles = [];

    public SlurmCluster()
    {
        foreach (var program in new[] { "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch" })
            if (!File.Exists(program))
                throw new InvalidOperationException($"{program} is missing: install Debian's slurm-wlm and munge packages (scripts/bootstrap)");
        if (System.Environment.UserName != "root")
            throw new InvalidOperationException("the Slurm test starts slurmctld and slurmd as root; run it as root");
        var root = _directory.Path;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var keyDirectory = Directory.CreateDirectory(Path.Combine(root, "munge-key")).FullName;
        var socketDirectory = Directory.CreateDirectory(Path.Combine(root, "munge-run")).FullName;
        Run("chown", "munge:munge", keyDirectory, socketDirectory);
        File.SetUnixFileMode(keyDirectory, (UnixFileMode)0b111_000_000);
        File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_101_101);
        var socket = Path.Combine(socketDirectory, "munge.sock");
        Run("runuser", "-u", "munge", "--", "/usr/sbin/mungekey", "-c", "-k", Path.Combine(keyDirectory, "munge.key"));
        Run("runuser", "-u", "munge", "--", "/usr/sbin/munged", $"--socket={socket}", $"--key-file={keyDirectory}/munge.key",
            $"--pid-file={socketDirectory}/munged.pid", $"--log-file={keyDirectory}/munged.log", $"--seed-file={keyDirectory}/munged.seed");
        _pidFiles.Add(Path.Combine(socketDirectory, "munged.pid"));

        foreach (var sub in new[] { "state", "spool", "log" })
            Directory.CreateDirectory(Path.Combine(root, sub));
        var host = Run("hostname", "-s").Trim();
        var controllerPort = FreePort.Next();
        var nodePort = FreePort.Next();
        var config = Path.Combine(root, "slurm.conf");
        File.WriteAllText(config, $"""
            ClusterName=mertest
            SlurmctldHost={host}(127.0.0.1)
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort={controllerPort}
            SlurmdPort={nodePort}
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CryptoType=crypto/munge
            StateSaveLocation={root}/state
            SlurmdSpoolDir={root}/spool
            SlurmctldPidFile={root}/slurmctld.pid
            SlurmdPidFile={root}/slurmd.pid
            SlurmctldLogFile={root}/log/slurmctld.log
            SlurmdLogFile={root}/log/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SchedulerType=sched/backfill
            SchedulerParameters=sched_interval=1,bf_interval=1
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            MpiDefault=none
            ReturnToService=2
            NodeName={host} NodeAddr=127.0.0.1 CPUs={System.Environment.ProcessorCount} State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP

            """);
        Environment = new Dictionary<string, string> { ["SLURM_CONF"] = config };
        Run("/usr/sbin/slurmctld", "-f", config);
        _pidFiles.Add(Path.Combine(root, "slurmctld.pid"));
        Run("/usr/sbin/slurmd", "-f", config);
        _pidFiles.Add(Path.Combine(root, "slurmd.pid"));
        WaitUntil(() => Run("sinfo", "-h", "-o", "%T").Trim() == "idle", TimeSpan.FromSeconds(30), "the node to be idle");
    }

    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The job ids (and array task ids) still in the queue.</summary>
    public string Queue() => Run("squeue", "-h", "-o", "%i %T").Trim();

    public string Logs() => string.Join("\n", Directory.GetFiles(Path.Combine(_directory.Path, "log")).Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    public string Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (key, value) in Environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not exit within 30 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output.Result}{error.Result}");
        return output.Result;
    }

    public static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}");
            Thread.Sleep(200);
        }
    }

    public void Dispose()
    {
        // Jobs first: their slurmstepd processes are daemons of their own, so stopping slurmd would leave them running.
        try
        {
            Run("scancel", "--user=root");
            WaitUntil(() => Queue().Length == 0, TimeSpan.FromSeconds(30), "the cancelled jobs to leave the queue");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"slurm test cluster: {e.Message}");
        }
        // Then slurmd, the controller, and munged.
        foreach (var pidFile in Enumerable.Reverse(_pidFiles))
        {
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
                continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
            }
        }
        _directory.Dispose();
    }
}

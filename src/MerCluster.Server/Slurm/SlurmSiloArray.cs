using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MerCluster.Server.Slurm;

/// <summary>
/// The sbatch script of `mer slurm silos`: a job array whose every task is one `mer silo` joining the cluster on the
/// store, with one device slot per GPU of the task (<see cref="GpusPerSilo"/> GPUs each, <c>--device cuda:0</c> ..) or,
/// without GPUs, <see cref="SlotsPerSilo"/> CPU slots. Tasks are requeued when preempted; Slurm's SIGTERM (on preemption,
/// scancel, or 120 s before the time limit) reaches the silo directly because the batch shell execs it, and the silo
/// then leaves the cluster gracefully, giving its running folds back so other silos take them up from their
/// checkpoints at once instead of after the silo is voted dead.
/// </summary>
public sealed partial record SlurmSiloArray
{
    public required string StoreUrl { get; init; }

    /// <summary>GPUs to use in all, <see cref="GpusPerSilo"/> per silo; 0 runs <see cref="CpuSilos"/> CPU silos instead.</summary>
    public int Gpus { get; init; }

    /// <summary>
    /// GPUs per array task (one silo with one slot per GPU). 1, the default, schedules best (any free GPU anywhere);
    /// a node's GPU count gives one silo per node, fewer silos in the membership table and one checkpoint reader per node.
    /// </summary>
    public int GpusPerSilo { get; init; } = 1;

    /// <summary>CPU silos when <see cref="Gpus"/> is 0.</summary>
    public int CpuSilos { get; init; } = 1;

    /// <summary>CPU slots (folds trained at once) per CPU silo.</summary>
    public int SlotsPerSilo { get; init; } = 1;

    /// <summary>CPUs per array task; shared out over its slots as training threads (and OMP_NUM_THREADS).</summary>
    public int CpusPerSilo { get; init; } = 1;

    public string? Partition { get; init; }

    /// <summary>Slurm time limit (e.g. 1-00:00:00, 12:00:00); null: the partition's default.</summary>
    public string? Time { get; init; }

    public string JobName { get; init; } = "mer-silos";

    /// <summary>How to run the CLI on the compute nodes: the repository's ./mer launcher, or e.g. "dotnet /opt/mer/mer.dll".</summary>
    public string MerCommand { get; init; } = "mer";

    /// <summary>Where each task's log goes (%A job id, %a array index).</summary>
    public string LogDirectory { get; init; } = ".";

    /// <summary>The artifact store (features, feature sets, checkpoints): a folder every node sees or an azblob:// URL; null: the silo's default under the submit directory.</summary>
    public string? Artifacts { get; init; }

    /// <summary>Further arguments for every silo (e.g. "--threads 4").</summary>
    public string SiloArguments { get; init; } = "";

    /// <summary>When set, each silo serves /metrics on this port (plus its array index, so silos on one node do not collide).</summary>
    public int? MetricsPort { get; init; }

    public int Tasks => Gpus > 0 ? Gpus / Math.Max(1, GpusPerSilo) : CpuSilos;

    /// <summary>Device slots per silo.</summary>
    public int Slots => Gpus > 0 ? GpusPerSilo : SlotsPerSilo;

    public string Render()
    {
        Validate();
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        script.Append($"# Written by `mer slurm silos`: {Tasks} MerCluster silo(s), "
            + (Gpus > 0 ? $"{GpusPerSilo} GPU slot(s) each ({Gpus} GPUs).\n" : $"{SlotsPerSilo} CPU slot(s) each.\n"));
        script.Append($"#SBATCH --job-name={JobName}\n");
        script.Append($"#SBATCH --array=0-{Tasks - 1}\n");
        script.Append("#SBATCH --ntasks=1\n");
        script.Append($"#SBATCH --cpus-per-task={CpusPerSilo}\n");
        if (Gpus > 0)
            script.Append($"#SBATCH --gres=gpu:{GpusPerSilo}\n");
        if (Partition is not null)
            script.Append($"#SBATCH --partition={Partition}\n");
        if (Time is not null)
            script.Append($"#SBATCH --time={Time}\n");
        script.Append("#SBATCH --requeue\n");
        script.Append("#SBATCH --signal=B:TERM@120\n");
        script.Append("#SBATCH --open-mode=append\n");
        script.Append($"#SBATCH --output={LogDirectory.TrimEnd('/')}/{JobName}-%A_%a.out\n");
        script.Append("set -euo pipefail\n");
        // With --gres=gpu:G Slurm makes the task's GPUs the only visible ones (CUDA_VISIBLE_DEVICES), numbered from 0.
        var slots = Gpus > 0
            ? string.Join(" ", Enumerable.Range(0, GpusPerSilo).Select(i => $"--device cuda:{i}"))
            : $"--slots {SlotsPerSilo}";
        script.Append("name=\"${SLURM_JOB_NAME}-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}-$(hostname -s)\"\n");
        var threads = Math.Max(1, CpusPerSilo / Slots);
        script.Append($"export OMP_NUM_THREADS={threads}\n");
        var artifacts = Artifacts is { } url ? $" --artifacts {Quote(url)}" : "";
        var metrics = MetricsPort is { } port ? $" --metrics-port $(({port.ToString(CultureInfo.InvariantCulture)} + SLURM_ARRAY_TASK_ID))" : "";
        var extra = SiloArguments.Length > 0 ? " " + SiloArguments : "";
        // exec: the silo replaces the batch shell, so the SIGTERM Slurm sends the batch step is the silo's to handle.
        script.Append($"exec {MerCommand} silo --store {Quote(StoreUrl)} {slots} --threads {threads} --name \"$name\"{artifacts}{metrics}{extra}\n");
        return script.ToString();
    }

    /// <summary>Writes the script, readable by its owner only (the store URL may carry a password).</summary>
    public void Write(string path)
    {
        File.WriteAllText(path, Render());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private void Validate()
    {
        if (Gpus < 0)
            throw new ArgumentException($"--gpus must be 0 or more, not {Gpus}");
        if (GpusPerSilo < 1)
            throw new ArgumentException($"--gpus-per-silo must be at least 1, not {GpusPerSilo}");
        if (Gpus > 0 && Gpus % GpusPerSilo != 0)
            throw new ArgumentException($"--gpus {Gpus} is not a multiple of --gpus-per-silo {GpusPerSilo}: every silo gets the same number of GPUs");
        if (Gpus == 0 && CpuSilos < 1)
            throw new ArgumentException($"--silos must be at least 1 with --gpus 0, not {CpuSilos}");
        if (Gpus == 0 && SlotsPerSilo < 1)
            throw new ArgumentException($"--slots must be at least 1, not {SlotsPerSilo}: a silo without slots never trains");
        if (CpusPerSilo < 1)
            throw new ArgumentException($"--cpus-per-silo must be at least 1, not {CpusPerSilo}");
        if (MetricsPort is < 1 or > 65535)
            throw new ArgumentException($"--metrics-port {MetricsPort} is not a port");
        if (Time is not null && !TimeLimit().IsMatch(Time))
            throw new ArgumentException($"--time '{Time}' is not a Slurm time limit (minutes, HH:MM:SS, D-HH:MM:SS or UNLIMITED)");
        if (Partition is not null && !SafeWord().IsMatch(Partition))
            throw new ArgumentException($"--partition '{Partition}' is not a partition name");
        if (!SafeWord().IsMatch(JobName))
            throw new ArgumentException($"job name '{JobName}' must be letters, digits, '.', '_' or '-'");
    }

    /// <summary>Single-quotes a value for bash, so a password with $ or spaces in the store URL stays literal.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    [GeneratedRegex(@"^(UNLIMITED|infinite|\d+|\d+:\d{2}(:\d{2})?|\d+-\d{1,2}(:\d{2}){0,2})$")]
    private static partial Regex TimeLimit();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.,-]*$")]
    private static partial Regex SafeWord();
}

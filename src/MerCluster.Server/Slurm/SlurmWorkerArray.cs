using System.Text;
using System.Text.RegularExpressions;

namespace MerCluster.Server.Slurm;

/// <summary>
/// The sbatch script of `mer slurm workers`: a job array with one task per GPU (or per CPU worker with 0 GPUs), each
/// task one `mer worker` pulling folds from the store. Tasks are requeued when preempted; Slurm's SIGTERM (on
/// preemption, scancel, or 120 s before the time limit) reaches the worker directly because the batch shell execs it,
/// and the worker then gives its fold back so another worker takes it up without waiting for the lease to expire.
/// </summary>
public sealed partial record SlurmWorkerArray
{
    public required string StoreUrl { get; init; }

    /// <summary>GPUs to use, one worker each; 0 runs <see cref="CpuWorkers"/> CPU workers instead.</summary>
    public int Gpus { get; init; }

    public int CpuWorkers { get; init; } = 1;

    public int CpusPerWorker { get; init; } = 1;

    public string? Partition { get; init; }

    /// <summary>Slurm time limit (e.g. 1-00:00:00, 12:00:00); null: the partition's default.</summary>
    public string? Time { get; init; }

    public string JobName { get; init; } = "mer-workers";

    /// <summary>How to run the CLI on the compute nodes: the repository's ./mer launcher, or e.g. "dotnet /opt/mer/mer.dll".</summary>
    public string MerCommand { get; init; } = "mer";

    /// <summary>Where each task's log goes (%A job id, %a array index).</summary>
    public string LogDirectory { get; init; } = ".";

    /// <summary>Further arguments for every worker (e.g. "--exit-when-idle").</summary>
    public string WorkerArguments { get; init; } = "";

    /// <summary>When set, each worker serves /metrics on this port (plus its array index, so workers on one node do not collide).</summary>
    public int? MetricsPort { get; init; }

    public int Tasks => Gpus > 0 ? Gpus : CpuWorkers;

    public string Render()
    {
        Validate();
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        script.Append($"# Written by `mer slurm workers`: {Tasks} MerCluster worker(s), {(Gpus > 0 ? "one GPU each" : "CPU only")}.\n");
        script.Append($"#SBATCH --job-name={JobName}\n");
        script.Append($"#SBATCH --array=0-{Tasks - 1}\n");
        script.Append("#SBATCH --ntasks=1\n");
        script.Append($"#SBATCH --cpus-per-task={CpusPerWorker}\n");
        if (Gpus > 0)
            script.Append("#SBATCH --gres=gpu:1\n");
        if (Partition is not null)
            script.Append($"#SBATCH --partition={Partition}\n");
        if (Time is not null)
            script.Append($"#SBATCH --time={Time}\n");
        script.Append("#SBATCH --requeue\n");
        script.Append("#SBATCH --signal=B:TERM@120\n");
        script.Append("#SBATCH --open-mode=append\n");
        script.Append($"#SBATCH --output={LogDirectory.TrimEnd('/')}/{JobName}-%A_%a.out\n");
        script.Append("set -euo pipefail\n");
        // With --gres=gpu:1 Slurm makes the task's GPU the only visible one (CUDA_VISIBLE_DEVICES), so it is cuda:0.
        script.Append(Gpus > 0 ? "device=cuda:0\n" : "device=cpu\n");
        script.Append("name=\"${SLURM_JOB_NAME}-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}-$(hostname -s)\"\n");
        script.Append($"export OMP_NUM_THREADS={CpusPerWorker}\n");
        var metrics = MetricsPort is { } port ? $" --metrics-port $(({port} + SLURM_ARRAY_TASK_ID))" : "";
        var extra = WorkerArguments.Length > 0 ? " " + WorkerArguments : "";
        // exec: the worker replaces the batch shell, so the SIGTERM Slurm sends the batch step is the worker's to handle.
        script.Append($"exec {MerCommand} worker --store {Quote(StoreUrl)} --device \"$device\" --name \"$name\"{metrics}{extra}\n");
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
        if (Gpus == 0 && CpuWorkers < 1)
            throw new ArgumentException($"--workers must be at least 1 with --gpus 0, not {CpuWorkers}");
        if (CpusPerWorker < 1)
            throw new ArgumentException($"--cpus-per-worker must be at least 1, not {CpusPerWorker}");
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

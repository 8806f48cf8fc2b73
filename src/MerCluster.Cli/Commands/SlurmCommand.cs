using System.CommandLine;
using MerCluster.Orchestration.Store;
using MerCluster.Server.Slurm;

namespace MerCluster.Cli.Commands;

/// <summary>`mer slurm workers --store URL --gpus N [--partition P] [--time T] [--submit]`: a Slurm job array of workers.</summary>
internal static class SlurmCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Coordination store URL the workers pull folds from (reachable from the compute nodes: postgres://...).", Required = true };
        var gpus = new Option<int>("--gpus") { Description = "GPUs to use, one worker and one array task each; 0 runs --workers CPU workers.", Required = true };
        var workers = new Option<int>("--workers") { Description = "CPU workers when --gpus is 0.", DefaultValueFactory = _ => 1 };
        var cpus = new Option<int>("--cpus-per-worker") { Description = "CPUs per array task (and OMP_NUM_THREADS).", DefaultValueFactory = _ => 1 };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition." };
        var time = new Option<string?>("--time") { Description = "Time limit per task (e.g. 12:00:00 or 1-00:00:00); the task is warned 120 s before and gives its fold back." };
        var mer = new Option<string>("--mer") { Description = "How the compute nodes run the CLI.", DefaultValueFactory = _ => DefaultMerCommand() };
        var workerArgs = new Option<string>("--worker-args") { Description = "Extra arguments for every `mer worker` (e.g. \"--exit-when-idle\").", DefaultValueFactory = _ => "" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Each worker serves /metrics on this port plus its array index." };
        var output = new Option<FileInfo>("--output") { Description = "Where to write the sbatch script.", DefaultValueFactory = _ => new FileInfo("mer-workers.sbatch") };
        var submit = new Option<bool>("--submit") { Description = "Submit the script with sbatch after writing it." };
        var workersCommand = new Command("workers", "Write (and with --submit, sbatch) a job array that starts one `mer worker` per GPU, requeued on preemption.")
        {
            store, gpus, workers, cpus, partition, time, mer, workerArgs, metricsPort, output, submit,
        };
        workersCommand.SetAction((parse, cancellationToken) => RunAsync(new SlurmWorkerArray
        {
            StoreUrl = parse.GetValue(store)!,
            Gpus = parse.GetValue(gpus),
            CpuWorkers = parse.GetValue(workers),
            CpusPerWorker = parse.GetValue(cpus),
            Partition = parse.GetValue(partition),
            Time = parse.GetValue(time),
            MerCommand = parse.GetValue(mer)!,
            WorkerArguments = parse.GetValue(workerArgs)!,
            MetricsPort = parse.GetValue(metricsPort),
            // As given (relative stays relative): sbatch resolves --output against the directory it is run from, like this path.
            LogDirectory = Path.GetDirectoryName(parse.GetValue(output)!.ToString()) is { Length: > 0 } logs ? logs : ".",
        }, parse.GetValue(output)!, parse.GetValue(submit), cancellationToken));
        return new Command("slurm", "Start workers through Slurm.") { workersCommand };
    }

    private static async Task<int> RunAsync(SlurmWorkerArray array, FileInfo output, bool submit, CancellationToken cancellationToken)
    {
        try
        {
            StoreLocation.Parse(array.StoreUrl);
            array.Write(output.FullName);
            Console.WriteLine($"wrote {output.FullName}: {array.Tasks} worker task(s)");
            if (submit)
                Console.WriteLine($"submitted job {await Sbatch.SubmitAsync(output.FullName, cancellationToken: cancellationToken)}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary>The repository's launcher when MER_HOME is set (the nodes share the file system), else `mer` on PATH.</summary>
    private static string DefaultMerCommand() =>
        Environment.GetEnvironmentVariable("MER_HOME") is { Length: > 0 } home ? SlurmWorkerArray.Quote(Path.Combine(home, "mer")) : "mer";
}

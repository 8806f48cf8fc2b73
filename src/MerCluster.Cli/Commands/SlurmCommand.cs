using System.CommandLine;
using MerCluster.Orchestration.Store;
using MerCluster.Server.Slurm;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer slurm silos --store URL --gpus N [--gpus-per-silo G] [--partition P] [--time T] [--submit]`: a Slurm job array of
/// silos, one per GPU (or per G GPUs), or with --gpus 0 of CPU silos with --slots each.
/// </summary>
internal static class SlurmCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "Coordination store URL the silos cluster on (reachable from the compute nodes: postgres://...).", Required = true };
        var gpus = new Option<int>("--gpus") { Description = "GPUs to use in all, one device slot each; 0 runs --silos CPU silos.", Required = true };
        var gpusPerSilo = new Option<int>("--gpus-per-silo") { Description = "GPUs per array task, trained on as cuda:0..G-1 by one silo (1: one task per GPU; a node's GPU count: one silo per node).", DefaultValueFactory = _ => 1 };
        var silos = new Option<int>("--silos") { Description = "CPU silos when --gpus is 0.", DefaultValueFactory = _ => 1 };
        var slots = new Option<int>("--slots") { Description = "CPU slots (folds at once) per CPU silo.", DefaultValueFactory = _ => 1 };
        var cpus = new Option<int>("--cpus-per-silo") { Description = "CPUs per array task, shared out over its slots as training threads (and OMP_NUM_THREADS).", DefaultValueFactory = _ => 1 };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition." };
        var time = new Option<string?>("--time") { Description = "Time limit per task (e.g. 12:00:00 or 1-00:00:00); the silo is warned 120 s before and gives its folds back." };
        var mer = new Option<string>("--mer") { Description = "How the compute nodes run the CLI.", DefaultValueFactory = _ => DefaultMerCommand() };
        var artifacts = new Option<string?>("--artifacts") { Description = "The silos' artifact store (features, feature sets, checkpoints): a folder every node sees or azblob://CONTAINER/PREFIX (default: the silo's, under the submit directory)." };
        var siloArgs = new Option<string>("--silo-args") { Description = "Extra arguments for every `mer silo`.", DefaultValueFactory = _ => "" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Each silo serves /metrics on this port plus its array index." };
        var output = new Option<FileInfo>("--output") { Description = "Where to write the sbatch script.", DefaultValueFactory = _ => new FileInfo("mer-silos.sbatch") };
        var submit = new Option<bool>("--submit") { Description = "Submit the script with sbatch after writing it." };
        var silosCommand = new Command("silos", "Write (and with --submit, sbatch) a job array of `mer silo` tasks, one device slot per GPU, requeued on preemption.")
        {
            store, gpus, gpusPerSilo, silos, slots, cpus, partition, time, mer, artifacts, siloArgs, metricsPort, output, submit,
        };
        silosCommand.SetAction((parse, cancellationToken) => RunAsync(new SlurmSiloArray
        {
            StoreUrl = parse.GetValue(store)!,
            Gpus = parse.GetValue(gpus),
            GpusPerSilo = parse.GetValue(gpusPerSilo),
            CpuSilos = parse.GetValue(silos),
            SlotsPerSilo = parse.GetValue(slots),
            CpusPerSilo = parse.GetValue(cpus),
            Partition = parse.GetValue(partition),
            Time = parse.GetValue(time),
            MerCommand = parse.GetValue(mer)!,
            Artifacts = parse.GetValue(artifacts),
            SiloArguments = parse.GetValue(siloArgs)!,
            MetricsPort = parse.GetValue(metricsPort),
            // As given (relative stays relative): sbatch resolves --output against the directory it is run from, like this path.
            LogDirectory = Path.GetDirectoryName(parse.GetValue(output)!.ToString()) is { Length: > 0 } logs ? logs : ".",
        }, parse.GetValue(output)!, parse.GetValue(submit), cancellationToken));
        return new Command("slurm", "Start silos through Slurm.") { silosCommand };
    }

    private static async Task<int> RunAsync(SlurmSiloArray array, FileInfo output, bool submit, CancellationToken cancellationToken)
    {
        try
        {
            StoreLocation.Parse(array.StoreUrl);
            array.Write(output.FullName);
            Console.WriteLine($"wrote {output.FullName}: {array.Tasks} silo task(s) with {array.Slots} slot(s) each");
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
        Environment.GetEnvironmentVariable("MER_HOME") is { Length: > 0 } home ? SlurmSiloArray.Quote(Path.Combine(home, "mer")) : "mer";
}

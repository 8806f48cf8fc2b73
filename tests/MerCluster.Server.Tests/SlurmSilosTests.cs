using System.Net.Http.Json;
using MerCluster.Orchestration.Store;
using System.Text.Json;
using MerCluster.Server.Slurm;

namespace MerCluster.Server.Tests;

public sealed class SlurmSilosTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public void A_gpu_array_has_one_task_per_gpu_each_with_one_gpu_slot_requeue_and_a_termination_warning()
    {
        var script = new SlurmSiloArray { StoreUrl = "postgres://mer@db:5432/mer", Gpus = 4, CpusPerSilo = 8, Partition = "gpu", Time = "1-00:00:00", MetricsPort = 9464 }.Render();
        Assert.Contains("#SBATCH --array=0-3\n", script);
        Assert.Contains("#SBATCH --gres=gpu:1\n", script);
        Assert.Contains("#SBATCH --partition=gpu\n", script);
        Assert.Contains("#SBATCH --time=1-00:00:00\n", script);
        Assert.Contains("#SBATCH --requeue\n", script);
        Assert.Contains("#SBATCH --signal=B:TERM@120\n", script);
        Assert.Contains("exec mer silo --store 'postgres://mer@db:5432/mer' --device cuda:0 --threads 8 --name \"$name\" --metrics-port $((9464 + SLURM_ARRAY_TASK_ID))\n", script);
    }

    [Fact]
    public void Gpus_per_silo_gives_each_task_that_many_gpus_as_cuda_0_to_n_minus_1_and_shares_its_cpus_out()
    {
        var script = new SlurmSiloArray { StoreUrl = "postgres://mer@db/mer", Gpus = 8, GpusPerSilo = 4, CpusPerSilo = 32 }.Render();
        Assert.Contains("#SBATCH --array=0-1\n", script);
        Assert.Contains("#SBATCH --gres=gpu:4\n", script);
        Assert.Contains("export OMP_NUM_THREADS=8\n", script);
        Assert.Contains(" --device cuda:0 --device cuda:1 --device cuda:2 --device cuda:3 --threads 8 ", script);
    }

    [Fact]
    public void Zero_gpus_runs_the_asked_number_of_cpu_silos_with_their_slots_and_no_gres()
    {
        var script = new SlurmSiloArray { StoreUrl = "sqlite:/shared/store.db", Gpus = 0, CpuSilos = 3, SlotsPerSilo = 2, CpusPerSilo = 4, Artifacts = "/shared/artifacts" }.Render();
        Assert.Contains("#SBATCH --array=0-2\n", script);
        Assert.DoesNotContain("--gres", script);
        Assert.DoesNotContain("--device", script);
        Assert.Contains(" --slots 2 --threads 2 --name \"$name\" --artifacts '/shared/artifacts'\n", script);
    }

    [Fact]
    public void A_store_url_with_shell_characters_stays_literal()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mer-slurm-quote-{Guid.NewGuid():N}.sh");
        try
        {
            new SlurmSiloArray { StoreUrl = "postgres://mer:p$w'd `x`@db/mer", Gpus = 1, MerCommand = "printf '%s\\n'" }.Write(path);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
            var lines = Bash(path);
            Assert.Contains("postgres://mer:p$w'd `x`@db/mer", lines);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(-1, 1, 1, null, null, "--gpus")]
    [InlineData(6, 4, 1, null, null, "--gpus-per-silo 4")]
    [InlineData(0, 1, 0, null, null, "--slots")]
    [InlineData(1, 1, 1, "tomorrow", null, "--time 'tomorrow'")]
    [InlineData(1, 1, 1, null, "gpu;rm -rf", "--partition")]
    public void Bad_options_are_errors_naming_the_option(int gpus, int gpusPerSilo, int slots, string? time, string? partition, string named)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new SlurmSiloArray { StoreUrl = "sqlite:x", Gpus = gpus, GpusPerSilo = gpusPerSilo, SlotsPerSilo = slots, Time = time, Partition = partition }.Render());
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void The_example_in_deploy_slurm_is_what_the_generator_writes_for_its_documented_command()
    {
        var example = Path.Combine(MerCluster.Core.RepositoryPaths.Root, "deploy", "slurm", "mer-silos.example.sbatch");
        var expected = new SlurmSiloArray
        {
            StoreUrl = "postgres://mer@db.cluster:5432/mer", Gpus = 4, CpusPerSilo = 8, Partition = "gpu", Time = "1-00:00:00",
            MerCommand = "/opt/mercluster/mer", Artifacts = "/shared/mer/artifacts", MetricsPort = 9464, LogDirectory = "logs",
        }.Render();
        Assert.Equal(expected, File.ReadAllText(example));
        Assert.Contains("mer slurm silos --store postgres://mer@db.cluster:5432/mer --gpus 4 --cpus-per-silo 8", File.ReadAllText(Path.Combine(Path.GetDirectoryName(example)!, "README.md")));
    }

    /// <summary>
    /// The whole path on a real Slurm: `mer slurm silos --submit` starts two CPU silos as an array, the sweep is submitted
    /// with `mer sweep submit` once a silo of the array is Active, the silos (with the coordinator's slotless silo) finish
    /// it, and the termination warning Slurm gives before the time limit (SIGTERM to the batch shell) makes each silo
    /// leave the cluster gracefully: its membership row ends Dead and the array leaves the queue.
    /// </summary>
    [Fact]
    public async Task A_slurm_array_of_two_cpu_silos_completes_a_sweep_submitted_to_it_and_leaves_on_sigterm()
    {
        await using var coordinator = await Coordinator.StartAsync();
        using var slurm = new SlurmCluster();
        var script = coordinator.Directory.File("silos.sbatch");
        var (code, output) = await MerCli.RunAsync(CliTimeout, slurm.Environment,
            "slurm", "silos", "--store", coordinator.StoreUrl, "--gpus", "0", "--silos", "2", "--slots", "1", "--mer", MerCli.CommandLine,
            "--artifacts", coordinator.Directory.File("artifacts"), "--output", script, "--submit");
        Assert.True(code == 0, output);
        var job = output.Split('\n').Single(l => l.StartsWith("submitted job ", StringComparison.Ordinal))["submitted job ".Length..].Trim();
        string Diagnostics() => $"queue: {slurm.Queue()}\n{SiloLogs(coordinator)}\n{slurm.Logs()}";

        static bool IsArraySilo(MembershipSilo silo) => silo.SiloName.StartsWith("mer-silos-", StringComparison.Ordinal);
        await Membership.WaitUntilAsync(coordinator.StoreUrl, silos => silos.Any(s => IsArraySilo(s) && s.Status == "Active"), TimeSpan.FromSeconds(120),
            "a silo of the array to be Active", Diagnostics);

        var sweepFile = coordinator.Directory.File("slurm-sweep.yaml");
        File.WriteAllText(sweepFile, Coordinator.NoopSweep("slurm", model: "{name: noop, duration: 200ms}"));
        (code, output) = await MerCli.RunAsync(CliTimeout, null, "sweep", "submit", sweepFile, "--store", coordinator.StoreUrl);
        Assert.True(code == 0, $"{output}\n{Diagnostics()}");
        Assert.Contains("submitted sweep", output);
        var sweepId = (await coordinator.Http.GetFromJsonAsync<JsonElement>("api/sweeps")).EnumerateArray().Single().GetProperty("id").GetString()!;

        var sweep = default(JsonElement);
        try
        {
            SlurmCluster.WaitUntil(() =>
            {
                sweep = coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{sweepId}").Result;
                return sweep.GetProperty("state").GetString() == "complete";
            }, TimeSpan.FromSeconds(120), "the sweep to complete");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nsweep: {sweep}\n{Diagnostics()}", e);
        }
        Assert.Equal(6, sweep.GetProperty("folds").GetProperty("done").GetInt32());
        await Membership.WaitUntilAsync(coordinator.StoreUrl, silos => silos.Count(s => IsArraySilo(s) && s.Status == "Active") == 2, TimeSpan.FromSeconds(120),
            "both silos of the array to be Active", Diagnostics);

        // What --signal=B:TERM@120 does before the time limit: SIGTERM to each task's batch shell, which exec'd the silo.
        slurm.Run("scancel", "--batch", "--signal=TERM", job);
        var left = await Membership.WaitUntilAsync(coordinator.StoreUrl, silos => silos.Where(IsArraySilo).All(s => s.Status == "Dead"), TimeSpan.FromSeconds(120),
            "the array's silos to leave the cluster", Diagnostics);
        Assert.Equal(2, left.Count(IsArraySilo));
        SlurmCluster.WaitUntil(() => slurm.Queue().Length == 0, TimeSpan.FromSeconds(60), $"the array to leave the queue\n{Diagnostics()}");
        Assert.Equal(2, Directory.GetFiles(coordinator.Directory.Path, "mer-silos-*.out").Count(f => File.ReadAllText(f).Contains("silo stopped", StringComparison.Ordinal)));
    }

    private static string SiloLogs(Coordinator coordinator) =>
        string.Join("\n", Directory.GetFiles(coordinator.Directory.Path, "*.out").Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    private static string Bash(string script)
    {
        using var process = new ChildProcess("bash", [script], new Dictionary<string, string> { ["SLURM_JOB_NAME"] = "j", ["SLURM_ARRAY_JOB_ID"] = "1", ["SLURM_ARRAY_TASK_ID"] = "0" });
        process.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return process.Output;
    }
}

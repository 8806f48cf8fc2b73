using MerCluster.Orchestration.Tests.Support;
using System.Net.Http.Json;
using System.Text.Json;
using MerCluster.Server.Slurm;

namespace MerCluster.Server.Tests;

public sealed class SlurmWorkersTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_gpu_array_has_one_task_per_gpu_each_with_one_gpu_requeue_and_a_termination_warning()
    {
        var script = new SlurmWorkerArray { StoreUrl = "postgres://mer@db:5432/mer", Gpus = 4, Partition = "gpu", Time = "1-00:00:00", MetricsPort = 9464 }.Render();
        Assert.Contains("#SBATCH --array=0-3\n", script);
        Assert.Contains("#SBATCH --gres=gpu:1\n", script);
        Assert.Contains("#SBATCH --partition=gpu\n", script);
        Assert.Contains("#SBATCH --time=1-00:00:00\n", script);
        Assert.Contains("#SBATCH --requeue\n", script);
        Assert.Contains("#SBATCH --signal=B:TERM@120\n", script);
        Assert.Contains("device=cuda:0\n", script);
        Assert.Contains("exec mer worker --store 'postgres://mer@db:5432/mer' --device \"$device\" --name \"$name\" --metrics-port $((9464 + SLURM_ARRAY_TASK_ID))\n", script);
    }

    [Fact]
    public void Zero_gpus_runs_the_asked_number_of_cpu_workers_without_gres()
    {
        var script = new SlurmWorkerArray { StoreUrl = "sqlite:/shared/store.db", Gpus = 0, CpuWorkers = 3 }.Render();
        Assert.Contains("#SBATCH --array=0-2\n", script);
        Assert.DoesNotContain("--gres", script);
        Assert.Contains("device=cpu\n", script);
    }

    [Fact]
    public void A_store_url_with_shell_characters_stays_literal()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mer-slurm-quote-{Guid.NewGuid():N}.sh");
        try
        {
            new SlurmWorkerArray { StoreUrl = "postgres://mer:p$w'd `x`@db/mer", Gpus = 1, MerCommand = "printf '%s\\n'" }.Write(path);
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
    [InlineData(-1, null, null, "--gpus")]
    [InlineData(1, "tomorrow", null, "--time 'tomorrow'")]
    [InlineData(1, null, "gpu;rm -rf", "--partition")]
    public void Bad_options_are_errors_naming_the_option(int gpus, string? time, string? partition, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => new SlurmWorkerArray { StoreUrl = "sqlite:x", Gpus = gpus, Time = time, Partition = partition }.Render());
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void The_example_in_deploy_slurm_is_what_the_generator_writes_for_its_documented_command()
    {
        var example = Path.Combine(MerCluster.Core.RepositoryPaths.Root, "deploy", "slurm", "mer-workers.example.sbatch");
        var expected = new SlurmWorkerArray
        {
            StoreUrl = "postgres://mer@db.cluster:5432/mer", Gpus = 4, CpusPerWorker = 8, Partition = "gpu", Time = "1-00:00:00",
            MerCommand = "/opt/mercluster/mer", MetricsPort = 9464, LogDirectory = "logs",
        }.Render();
        Assert.Equal(expected, File.ReadAllText(example));
    }

    [Fact]
    public async Task A_slurm_array_of_two_cpu_workers_completes_a_tiny_sweep()
    {
        await using var coordinator = await Coordinator.StartAsync();
        var submitted = await coordinator.PostSweepAsync(Coordinator.NoopSweep("slurm", model: "{name: noop, duration: 200ms}"));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        var sweepId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var slurm = new SlurmCluster();

        var script = coordinator.Directory.File("workers.sbatch");
        var (code, output) = await MerCli.RunAsync(CliTimeout, slurm.Environment,
            "slurm", "workers", "--store", coordinator.StoreUrl, "--gpus", "0", "--workers", "2", "--mer", MerCli.CommandLine,
            "--worker-args", "--exit-when-idle", "--output", script, "--submit");
        Assert.True(code == 0, output);
        Assert.Contains("submitted job", output);

        var sweep = default(JsonElement);
        try
        {
            SlurmCluster.WaitUntil(() =>
            {
                sweep = coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{sweepId}").Result;
                return sweep.GetProperty("state").GetString() == "complete" && slurm.Queue().Length == 0;
            }, TimeSpan.FromSeconds(90), "the sweep to complete and the array to leave the queue");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nsweep: {sweep}\nqueue: {slurm.Queue()}\n{WorkerLogs(coordinator)}\n{slurm.Logs()}", e);
        }
        Assert.Equal(6, sweep.GetProperty("folds").GetProperty("done").GetInt32());
        var workers = await coordinator.Http.GetFromJsonAsync<JsonElement>("api/workers");
        var names = workers.EnumerateArray().Select(w => w.GetProperty("name").GetString()!).ToList();
        Assert.Equal(2, names.Count(n => n.StartsWith("mer-workers-", StringComparison.Ordinal)));
        Assert.All(workers.EnumerateArray(), w => Assert.Equal("stopped", w.GetProperty("state").GetString()));
    }

    private static string WorkerLogs(Coordinator coordinator) =>
        string.Join("\n", Directory.GetFiles(coordinator.Directory.Path, "*.out").Select(f => $"--- {f}\n{File.ReadAllText(f)}"));

    private static string Bash(string script)
    {
        using var process = new ChildProcess("bash", [script], new Dictionary<string, string> { ["SLURM_JOB_NAME"] = "j", ["SLURM_ARRAY_JOB_ID"] = "1", ["SLURM_ARRAY_TASK_ID"] = "0" });
        process.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return process.Output;
    }
}

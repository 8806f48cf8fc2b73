using MerCluster.Orchestration.Tests.Support;

namespace MerCluster.Orchestration.Tests;

/// <summary>The orchestration commands end to end through the real CLI: run a sweep, show its status, write its report.</summary>
public sealed class CliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Sweep_run_then_status_and_report_describe_the_finished_sweep()
    {
        var file = TestFeatures.WriteNoopSweep(_temp.Path, "cli", "{name: noop, fail_subjects: [samm/s2]}", "leasing: {max_attempts: 1}");
        var url = _temp.SqliteUrl;

        using var run = MerProcess.Start("sweep", "run", file, "--workers", "2", "--store", url);
        Assert.True(await run.WaitAsync(Timeout) == 0, run.Output);
        Assert.Contains("5 folds done, 1 failed", run.Output);

        using var status = MerProcess.Start("status", "cli", "--store", url);
        Assert.True(await status.WaitAsync(Timeout) == 0, status.Output);
        Assert.Contains("failed: base fold samm/s2 after 1 attempts", status.Output);

        var reportDir = _temp.File("report");
        using var report = MerProcess.Start("report", "cli", "--format", "json", "--out", reportDir, "--store", url);
        Assert.True(await report.WaitAsync(Timeout) == 0, report.Output);
        var json = await File.ReadAllTextAsync(Path.Combine(reportDir, "report.json"));
        Assert.Contains("samm/s2", json);
        Assert.True(Directory.EnumerateFiles(Path.Combine(reportDir, "confusion"), "*.svg").Any());
    }

    [Fact]
    public async Task A_submitted_sweep_is_completed_by_a_worker_that_exits_when_idle_and_its_report_prints()
    {
        var file = TestFeatures.WriteNoopSweep(_temp.Path, "submitted", "{name: noop}");
        var url = _temp.SqliteUrl;

        using var submit = MerProcess.Start("sweep", "submit", file, "--store", url);
        Assert.True(await submit.WaitAsync(Timeout) == 0, submit.Output);
        Assert.Contains("1 trials x 6 folds", submit.Output);

        using var worker = MerProcess.Start("worker", "--store", url, "--exit-when-idle", "--heartbeat", "200ms", "--lease", "2s");
        Assert.True(await worker.WaitAsync(Timeout) == 0, worker.Output);
        Assert.Contains("6 done, 0 failed", worker.Output);

        using var report = MerProcess.Start("report", "submitted", "--format", "md", "--store", url);
        Assert.True(await report.WaitAsync(Timeout) == 0, report.Output);
        Assert.Contains("1.0000", report.Output);

        using var status = MerProcess.Start("status", "--store", url);
        Assert.True(await status.WaitAsync(Timeout) == 0, status.Output);
        Assert.Contains("complete", status.Output);
    }

    [Fact]
    public async Task Sweep_run_with_a_bad_file_names_the_file_and_key()
    {
        var file = _temp.File("bad.yaml");
        File.WriteAllText(file, "name: bad\nfeatures: nowhere\nmodel: {name: noop}\nleasing: {max_attempts: 0}\n");
        using var run = MerProcess.Start("sweep", "run", file, "--store", _temp.SqliteUrl);
        Assert.Equal(1, await run.WaitAsync(Timeout));
        Assert.Contains("bad.yaml", run.Output);
        Assert.Contains("leasing.max_attempts", run.Output);
    }

    public void Dispose() => _temp.Dispose();
}

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
        var file = TestFeatures.WriteNoopSweep(_temp.Path, "cli", "{name: noop, fail_subjects: [samm/s2]}", "max_attempts: 1");
        var url = _temp.SqliteUrl;

        using var run = MerProcess.Start("sweep", "run", file, "--slots", "2", "--store", url);
        Assert.True(await run.WaitAsync(Timeout) == 0, run.Output);
        Assert.Contains("5 folds done, 1 failed", run.Output);

        using var status = MerProcess.Start("status", "cli", "--store", url);
        Assert.True(await status.WaitAsync(Timeout) == 0, status.Output);
        Assert.Contains("failed: base fold samm/s2 after 1 attempts", status.Output);

        // Every fold's story, one event a line with a millisecond UTC time; --fold narrows it to the failed one.
        using var events = MerProcess.Start("status", "cli", "--events", "--store", url);
        Assert.True(await events.WaitAsync(Timeout) == 0, events.Output);
        var lines = events.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var stamps = lines.Select(l => DateTimeOffset.ParseExact(l[..24], "yyyy-MM-ddTHH:mm:ss.fffZ", null)).ToList();
        Assert.Equal(stamps.Order(), stamps);
        Assert.Equal(6, lines.Count(l => l.Contains(" attempt 1 placed on ", StringComparison.Ordinal) && l.Contains("(cpu)", StringComparison.Ordinal)));
        Assert.Equal(6, lines.Count(l => l.Contains(" attempt 1 started on ", StringComparison.Ordinal)));
        Assert.Equal(5, lines.Count(l => l.Contains(" attempt 1 completed on ", StringComparison.Ordinal)));
        var failed = Assert.Single(lines, l => l.Contains(" failed on ", StringComparison.Ordinal));
        Assert.Contains("(samm/s2, trial base) attempt 1 failed on ", failed);
        Assert.Contains("listed in model.fail_subjects; the fold is failed", failed);
        var foldId = failed.Split(' ')[2];
        using var one = MerProcess.Start("status", "cli", "--fold", foldId, "--store", url);
        Assert.True(await one.WaitAsync(Timeout) == 0, one.Output);
        Assert.Equal(["placed", "started", "failed"], one.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[8]));
        using var noFold = MerProcess.Start("status", "cli", "--fold", "999999", "--store", url);
        Assert.Equal(1, await noFold.WaitAsync(Timeout));
        Assert.Contains("has no fold 999999", noFold.Output);

        var reportDir = _temp.File("report");
        using var report = MerProcess.Start("report", "cli", "--format", "json", "--out", reportDir, "--store", url);
        Assert.True(await report.WaitAsync(Timeout) == 0, report.Output);
        var json = await File.ReadAllTextAsync(Path.Combine(reportDir, "report.json"));
        Assert.Contains("samm/s2", json);
        Assert.True(Directory.EnumerateFiles(Path.Combine(reportDir, "confusion"), "*.svg").Any());
    }

    [Fact]
    public async Task A_silo_whose_blob_artifact_store_cannot_be_used_stops_at_start_naming_the_url_and_never_joins()
    {
        var url = _temp.SqliteUrl;
        using var noSecret = MerProcess.StartWith(new Dictionary<string, string> { ["MER_AZBLOB_CONNECTION_STRING"] = "" },
            "silo", "--store", url, "--slots", "1", "--cache", _temp.File("cache"), "--artifacts", "azblob://mer/lab");
        Assert.Equal(1, await noSecret.WaitAsync(Timeout));
        Assert.Contains("artifact store azblob://mer/lab: no connection string; set MER_AZBLOB_CONNECTION_STRING", noSecret.Output);
        Assert.DoesNotContain("joined the cluster", noSecret.Output);

        using var noCache = MerProcess.Start("silo", "--store", url, "--slots", "1", "--cache-size", "0");
        Assert.NotEqual(0, await noCache.WaitAsync(Timeout));
        Assert.Contains("--cache-size 0: must be a positive number of GB", noCache.Output);

        // An endpoint nobody listens on: refused quickly, named, and the key never printed.
        const string key = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=";
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var closed = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        using var unreachable = MerProcess.StartWith(new Dictionary<string, string>
            {
                ["MER_AZBLOB_CONNECTION_STRING"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};BlobEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;",
            },
            "silo", "--store", url, "--slots", "1", "--cache", _temp.File("cache"), "--artifacts", "azblob://mer/lab");
        Assert.Equal(1, await unreachable.WaitAsync(Timeout));
        Assert.Contains("artifact store azblob://mer/lab: cannot reach the blob endpoint", unreachable.Output);
        Assert.DoesNotContain(key, unreachable.Output);
        Assert.DoesNotContain("joined the cluster", unreachable.Output);
    }

    [Fact]
    public async Task A_sweep_submitted_to_a_running_silo_completes_and_its_report_prints()
    {
        var file = TestFeatures.WriteNoopSweep(_temp.Path, "submitted", "{name: noop}");
        var url = _temp.SqliteUrl;
        using var silo = MerProcess.Start("silo", "--store", url, "--slots", "2", "--cache", _temp.File("cache"));
        await silo.WaitForOutputAsync("joined the cluster", Timeout);

        using var submit = MerProcess.Start("sweep", "submit", file, "--store", url);
        Assert.True(await submit.WaitAsync(Timeout) == 0, submit.Output + silo.Output);
        Assert.Contains("1 trials x 6 folds", submit.Output);

        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using var status = MerProcess.Start("status", "--store", url);
            Assert.True(await status.WaitAsync(Timeout) == 0, status.Output);
            if (status.Output.Contains("complete", StringComparison.Ordinal))
                break;
            Assert.True(DateTime.UtcNow < deadline, $"the sweep did not complete in {Timeout.TotalSeconds} s:\n{status.Output}\n{silo.Output}");
            await Task.Delay(200);
        }
        using var report = MerProcess.Start("report", "submitted", "--format", "md", "--store", url);
        Assert.True(await report.WaitAsync(Timeout) == 0, report.Output);
        Assert.Contains("1.0000", report.Output);

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", silo.Id.ToString()]))
            await kill.WaitForExitAsync();
        Assert.True(await silo.WaitAsync(Timeout) == 0, silo.Output);
        Assert.Contains("silo stopped", silo.Output);
    }

    [Fact]
    public async Task Sweep_submit_without_a_running_silo_says_to_start_one()
    {
        var file = TestFeatures.WriteNoopSweep(_temp.Path, "nobody", "{name: noop}");
        using var submit = MerProcess.Start("sweep", "submit", file, "--store", _temp.SqliteUrl);
        Assert.Equal(1, await submit.WaitAsync(Timeout));
        Assert.Contains("mer silo --store", submit.Output);
    }

    [Fact]
    public async Task A_silo_asked_for_a_device_this_machine_lacks_stops_naming_it()
    {
        using var silo = MerProcess.Start("silo", "--store", _temp.SqliteUrl, "--device", "cuda:7");
        Assert.Equal(1, await silo.WaitAsync(Timeout));
        Assert.Contains("cuda:7", silo.Output);
        Assert.Contains("CUDA is not available", silo.Output);

        using var both = MerProcess.Start("silo", "--store", _temp.SqliteUrl, "--device", "cpu", "--slots", "2");
        Assert.Equal(2, await both.WaitAsync(Timeout));
        Assert.Contains("not both", both.Output);
    }

    [Fact]
    public async Task A_silo_given_a_store_patience_that_is_no_duration_stops_naming_the_option()
    {
        using var silo = MerProcess.Start("silo", "--store", _temp.SqliteUrl, "--slots", "1", "--store-patience", "5x");
        Assert.NotEqual(0, await silo.WaitAsync(Timeout));
        Assert.Contains("--store-patience: '5x' is not a duration", silo.Output);
        Assert.DoesNotContain("joined the cluster", silo.Output);
    }

    [Fact]
    public async Task A_silo_on_an_unreachable_store_or_a_store_of_a_newer_schema_stops_naming_it()
    {
        using var unreachable = MerProcess.Start("silo", "--store", "postgres://nobody@127.0.0.1:1/nowhere");
        Assert.Equal(1, await unreachable.WaitAsync(Timeout));
        Assert.Contains("postgres://nobody@127.0.0.1:1/nowhere", unreachable.Output);

        var url = _temp.SqliteUrl;
        await using (var store = await Store.CoordinationStore.OpenAsync(url))
        {
        }
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + url["sqlite:".Length..]))
        {
            connection.Open();
            using var bump = connection.CreateCommand();
            bump.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'from a newer mer', 0)";
            bump.ExecuteNonQuery();
        }
        using var older = MerProcess.Start("silo", "--store", url, "--slots", "1");
        Assert.Equal(1, await older.WaitAsync(Timeout));
        Assert.Contains("schema version 99", older.Output);
        Assert.Contains("upgrade mer", older.Output);
    }

    [Fact]
    public async Task Sweep_run_with_a_bad_file_names_the_file_and_key()
    {
        var file = _temp.File("bad.yaml");
        File.WriteAllText(file, "name: bad\nfeatures: nowhere\nmodel: {name: noop}\nmax_attempts: 0\n");
        using var run = MerProcess.Start("sweep", "run", file, "--store", _temp.SqliteUrl);
        Assert.Equal(1, await run.WaitAsync(Timeout));
        Assert.Contains("bad.yaml", run.Output);
        Assert.Contains("max_attempts", run.Output);
    }

    public void Dispose() => _temp.Dispose();
}

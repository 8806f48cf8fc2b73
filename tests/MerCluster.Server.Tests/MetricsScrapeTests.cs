using MerCluster.Orchestration.Tests.Support;
using System.Net.Http.Json;
using System.Text.Json;

namespace MerCluster.Server.Tests;

public sealed class MetricsScrapeTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_coordinator_and_a_worker_and_answers_fold_counts_and_uf1_after_a_tiny_sweep()
    {
        await using var coordinator = await Coordinator.StartAsync();
        var workerPort = FreePort.Next();
        using var prometheus = new PrometheusServer(new Dictionary<string, string>
        {
            ["mer-coordinator"] = new Uri(coordinator.Url).Authority,
            ["mer-worker"] = $"127.0.0.1:{workerPort}",
        });
        var sweepId = await SubmitAsync(coordinator, "scraped");
        using var worker = StartWorker(coordinator, sweepId, workerPort);

        await prometheus.WaitForAsync($"sum(mer_sweep_folds{{sweep=\"{sweepId}\",state=\"done\"}})", r => r.GetArrayLength() == 1 && Value(r, 0) == 12, TimeSpan.FromSeconds(60));
        var pending = await prometheus.WaitForAsync($"sum(mer_folds{{sweep=\"{sweepId}\",state=\"pending\"}})", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(0, Value(pending, 0));
        var uf1 = await prometheus.WaitForAsync($"mer_trial_uf1{{sweep=\"{sweepId}\",part=\"overall\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(10));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(uf1, i)));
        var perDatabase = await prometheus.WaitForAsync($"mer_trial_uar{{sweep=\"{sweepId}\",part=\"casme2\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(10));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(perDatabase, i)));
        // The worker's own exposition: every fold it finished is in its fold-duration histogram.
        await prometheus.WaitForAsync($"sum(mer_fold_duration_seconds_count{{job=\"mer-worker\",sweep=\"{sweepId}\",outcome=\"done\"}})",
            r => r.GetArrayLength() == 1 && Value(r, 0) == 12, TimeSpan.FromSeconds(10));
        Assert.Equal(new Dictionary<string, string> { ["mer-coordinator"] = "up", ["mer-worker"] = "up" }, await prometheus.TargetHealthAsync());
    }

    [Fact]
    public async Task Promtool_accepts_the_coordinators_and_a_workers_exposition()
    {
        await using var coordinator = await Coordinator.StartAsync();
        var sweepId = await SubmitAsync(coordinator, "linted");
        var workerPort = FreePort.Next();
        using var worker = StartWorker(coordinator, sweepId, workerPort);
        SlurmCluster.WaitUntil(() => coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{sweepId}").Result.GetProperty("state").GetString() == "complete",
            TimeSpan.FromSeconds(60), $"the sweep to complete\n{worker.Output}");
        using var http = new HttpClient();
        foreach (var url in new[] { coordinator.Url, $"http://127.0.0.1:{workerPort}" })
        {
            var response = await http.GetAsync(url + "/metrics");
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            var exposition = await response.Content.ReadAsStringAsync();
            Assert.Contains("mer_fold_duration_seconds_bucket", url == coordinator.Url ? "mer_fold_duration_seconds_bucket" : exposition);
            var (code, output) = await Promtool.RunAsync(exposition, "check", "metrics");
            Assert.True(code == 0, $"promtool check metrics on {url}: {output}\n{exposition}");
        }
    }

    /// <summary>Submits a 2-trial no-op sweep (6 folds each) through the API; returns its id.</summary>
    private static async Task<string> SubmitAsync(Coordinator coordinator, string name)
    {
        var response = await coordinator.PostSweepAsync(Coordinator.NoopSweep(name, "grid: {model.duration: [1ms, 2ms]}", "{name: noop, duration: 1ms}"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>A real `mer worker` process serving /metrics on <paramref name="metricsPort"/>; it waits for work after the sweep, so it stays scrapeable until killed.</summary>
    private static ChildProcess StartWorker(Coordinator coordinator, string sweepId, int metricsPort) =>
        MerCli.Start(null, "worker", "--store", coordinator.StoreUrl, "--sweep", sweepId, "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static double Value(JsonElement result, int index) =>
        double.Parse(result[index].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}

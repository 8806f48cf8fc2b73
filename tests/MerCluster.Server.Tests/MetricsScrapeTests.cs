using System.Net.Http.Json;
using System.Text.Json;

namespace MerCluster.Server.Tests;

public sealed class MetricsScrapeTests
{
    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Prometheus_scrapes_the_coordinator_and_a_worker_and_answers_fold_counts_and_uf1_after_a_tiny_sweep()
    {
        await using var coordinator = await Coordinator.StartAsync();
        await using var workerMetrics = await MetricsEndpoint.StartAsync("http://127.0.0.1:0");
        using var prometheus = new PrometheusServer(new Dictionary<string, string>
        {
            ["mer-coordinator"] = new Uri(coordinator.Url).Authority,
            ["mer-worker"] = new Uri(workerMetrics.Url).Authority,
        });
        var sweepId = await SubmitAndRunAsync(coordinator, "scraped");

        await prometheus.WaitForAsync($"sum(mer_sweep_folds{{sweep=\"{sweepId}\",state=\"done\"}})", r => r.GetArrayLength() == 1 && Value(r, 0) == 12, TimeSpan.FromSeconds(30));
        var pending = await prometheus.WaitForAsync($"sum(mer_folds{{sweep=\"{sweepId}\",state=\"pending\"}})", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(0, Value(pending, 0));
        var uf1 = await prometheus.WaitForAsync($"mer_trial_uf1{{sweep=\"{sweepId}\",part=\"overall\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(10));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(uf1, i)));
        var perDatabase = await prometheus.WaitForAsync($"mer_trial_uar{{sweep=\"{sweepId}\",part=\"casme2\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(10));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(perDatabase, i)));
        await prometheus.WaitForAsync("up{job=\"mer-worker\"}", r => r.GetArrayLength() == 1 && Value(r, 0) == 1, TimeSpan.FromSeconds(10));
        Assert.Equal("up", (await prometheus.TargetHealthAsync())["mer-coordinator"]);
    }

    [Fact]
    public async Task Promtool_accepts_the_coordinators_and_a_workers_exposition()
    {
        await using var coordinator = await Coordinator.StartAsync();
        await SubmitAndRunAsync(coordinator, "linted");
        await using var workerMetrics = await MetricsEndpoint.StartAsync("http://127.0.0.1:0");
        foreach (var url in new[] { coordinator.Url, workerMetrics.Url })
        {
            using var http = new HttpClient();
            var response = await http.GetAsync(url + "/metrics");
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            var exposition = await response.Content.ReadAsStringAsync();
            var (code, output) = await Promtool.RunAsync(exposition, "check", "metrics");
            Assert.True(code == 0, $"promtool check metrics on {url}: {output}\n{exposition}");
        }
    }

    /// <summary>Submits a 2-trial no-op sweep through the API and runs it to the end with a real `mer worker` process; returns the sweep id.</summary>
    public static async Task<string> SubmitAndRunAsync(Coordinator coordinator, string name)
    {
        var response = await coordinator.PostSweepAsync(Coordinator.NoopSweep(name, "grid: {model.duration: [1ms, 2ms]}", "{name: noop, duration: 1ms}"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var sweepId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var (code, output) = await MerCli.RunAsync(WorkerTimeout, null, "worker", "--store", coordinator.StoreUrl, "--exit-when-idle", "--sweep", sweepId);
        Assert.True(code == 0, output);
        return sweepId;
    }

    private static double Value(JsonElement result, int index) =>
        double.Parse(result[index].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}

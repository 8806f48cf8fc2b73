using MerCluster.Orchestration.Tests.Support;
using System.Net.Http.Json;
using System.Text.Json;

namespace MerCluster.Server.Tests;

public sealed class MetricsScrapeTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_coordinator_and_a_silo_and_answers_fold_counts_uf1_and_silos_after_a_tiny_sweep()
    {
        await using var coordinator = await Coordinator.StartAsync();
        var siloPort = FreePort.Next();
        using var prometheus = new PrometheusServer(new Dictionary<string, string>
        {
            ["mer-coordinator"] = new Uri(coordinator.Url).Authority,
            ["mer-silo"] = $"127.0.0.1:{siloPort}",
        });
        using var silo = await StartSiloAsync(coordinator, "scraped-silo", siloPort);
        var sweepId = await SubmitAsync(coordinator, "scraped");

        await prometheus.WaitForAsync($"sum(mer_sweep_folds{{sweep=\"{sweepId}\",state=\"done\"}})", r => r.GetArrayLength() == 1 && Value(r, 0) == 12, TimeSpan.FromSeconds(90));
        var pending = await prometheus.WaitForAsync($"sum(mer_folds{{sweep=\"{sweepId}\",state=\"pending\"}})", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(0, Value(pending, 0));
        var uf1 = await prometheus.WaitForAsync($"mer_trial_uf1{{sweep=\"{sweepId}\",part=\"overall\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(20));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(uf1, i)));
        var perDatabase = await prometheus.WaitForAsync($"mer_trial_uar{{sweep=\"{sweepId}\",part=\"casme2\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(20));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(perDatabase, i)));
        // The silo's own exposition: every fold it finished is in its fold-duration histogram.
        await prometheus.WaitForAsync($"sum(mer_fold_duration_seconds_count{{job=\"mer-silo\",sweep=\"{sweepId}\",outcome=\"done\"}})",
            r => r.GetArrayLength() == 1 && Value(r, 0) == 12, TimeSpan.FromSeconds(20));
        // The membership table through the coordinator: it and the training silo are Active, both alive a moment ago.
        await prometheus.WaitForAsync("mer_silos{status=\"Active\"}", r => r.GetArrayLength() == 1 && Value(r, 0) == 2, TimeSpan.FromSeconds(20));
        var age = await prometheus.WaitForAsync("mer_silo_alive_age_seconds{silo=\"scraped-silo\"}", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.InRange(Value(age, 0), 0, 60);
        Assert.Equal(new Dictionary<string, string> { ["mer-coordinator"] = "up", ["mer-silo"] = "up" }, await prometheus.TargetHealthAsync());
    }

    [Fact]
    public async Task Promtool_accepts_the_coordinators_and_a_silos_exposition()
    {
        await using var coordinator = await Coordinator.StartAsync();
        var siloPort = FreePort.Next();
        using var silo = await StartSiloAsync(coordinator, "linted-silo", siloPort);
        var sweepId = await SubmitAsync(coordinator, "linted");
        SlurmCluster.WaitUntil(() => coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{sweepId}").Result.GetProperty("state").GetString() == "complete",
            TimeSpan.FromSeconds(90), $"the sweep to complete\n{silo.Output}");
        using var http = new HttpClient();
        foreach (var url in new[] { coordinator.Url, $"http://127.0.0.1:{siloPort}" })
        {
            var response = await http.GetAsync(url + "/metrics");
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            var exposition = await response.Content.ReadAsStringAsync();
            Assert.Contains(url == coordinator.Url ? "mer_silo_alive_age_seconds{" : "mer_fold_duration_seconds_bucket{", exposition);
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

    /// <summary>
    /// A real `mer silo --slots 1` process serving /metrics on <paramref name="metricsPort"/>, returned once the membership
    /// table lists it as Active (so a sweep submitted next has a slot to run on); it stays scrapeable until disposed.
    /// </summary>
    private static async Task<ChildProcess> StartSiloAsync(Coordinator coordinator, string name, int metricsPort)
    {
        var silo = MerCli.Start(null, "silo", "--store", coordinator.StoreUrl, "--slots", "1", "--name", name,
            "--cache", coordinator.Directory.File("cache"), "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await Membership.WaitUntilAsync(coordinator.StoreUrl, silos => silos.Any(s => s.SiloName == name && s.Status == "Active"),
                TimeSpan.FromSeconds(90), $"silo {name} to be Active", () => silo.Output);
            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    private static double Value(JsonElement result, int index) =>
        double.Parse(result[index].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}

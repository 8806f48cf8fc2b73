using MerCluster.Orchestration.Store;
using System.Text.Json;

namespace MerCluster.Server.Tests;

public sealed class MetricsScrapeTests
{
    private static readonly TimeSpan SweepTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Prometheus_scrapes_the_coordinator_and_a_silo_and_answers_fold_counts_uf1_silos_slots_and_orleans_activations_after_a_tiny_sweep()
    {
        await using var cluster = await MetricsCluster.StartAsync("scraped-silo");
        using var prometheus = new PrometheusServer(new Dictionary<string, string>
        {
            ["mer-coordinator"] = new Uri(cluster.Coordinator.Url).Authority,
            ["mer-silo"] = cluster.SiloTarget("scraped-silo"),
        });
        var sweepId = await cluster.SubmitAsync("scraped");

        await prometheus.WaitForAsync($"sum(mer_sweep_folds{{sweep=\"{sweepId}\",state=\"done\"}})", r => r.GetArrayLength() == 1 && Value(r, 0) == 12, SweepTimeout);
        var pending = await prometheus.WaitForAsync($"sum(mer_folds{{sweep=\"{sweepId}\",state=\"pending\"}})", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(0, Value(pending, 0));
        var uf1 = await prometheus.WaitForAsync($"mer_trial_uf1{{sweep=\"{sweepId}\",part=\"overall\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(20));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(uf1, i)));
        var perDatabase = await prometheus.WaitForAsync($"mer_trial_uar{{sweep=\"{sweepId}\",part=\"casme2\"}}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(20));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(1.0, Value(perDatabase, i)));
        // The silo's own exposition: every fold it finished is in its fold-duration histogram, in the buckets for seconds
        // (an hour is one; Prometheus asks for OpenMetrics, where bounds are written as floats: le="3600.0").
        await prometheus.WaitForAsync($"sum(mer_fold_duration_seconds_count{{job=\"mer-silo\",sweep=\"{sweepId}\",outcome=\"done\"}})",
            r => r.GetArrayLength() == 1 && Value(r, 0) == 12, TimeSpan.FromSeconds(20));
        var buckets = await prometheus.WaitForAsync($"count(mer_fold_duration_seconds_bucket{{job=\"mer-silo\",sweep=\"{sweepId}\",le=\"3600.0\"}})",
            r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(2, Value(buckets, 0));
        // Its slot, free again once the sweep is done; and Orleans' activations on it (the sweep's fold grains among them).
        var slots = await prometheus.WaitForAsync("mer_silo_slots{job=\"mer-silo\",silo=\"scraped-silo\"}", r => r.GetArrayLength() == 2, TimeSpan.FromSeconds(20));
        Assert.Equal(1, Enumerable.Range(0, 2).Sum(i => Value(slots, i)));
        await prometheus.WaitForAsync("sum(orleans_catalog_activations{job=\"mer-silo\"})", r => r.GetArrayLength() == 1 && Value(r, 0) > 0, TimeSpan.FromSeconds(20));
        var failovers = await prometheus.WaitForAsync("mer_failovers_total{job=\"mer-silo\"}", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(0, Value(failovers, 0));
        // The membership table through the coordinator: it and the training silo are Active, both alive a moment ago.
        await prometheus.WaitForAsync("mer_silos{status=\"Active\"}", r => r.GetArrayLength() == 1 && Value(r, 0) == 2, TimeSpan.FromSeconds(20));
        var age = await prometheus.WaitForAsync("mer_silo_alive_age_seconds{silo=\"scraped-silo\"}", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.InRange(Value(age, 0), 0, 60);
        // OpenTelemetry's resource, as Prometheus stores target_info from the OpenMetrics format it asks for.
        await prometheus.WaitForAsync("target_info{job=\"mer-silo\",service_name=\"mer-silo\"}", r => r.GetArrayLength() == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(new Dictionary<string, string> { ["mer-coordinator"] = "up", ["mer-silo"] = "up" }, await prometheus.TargetHealthAsync());
    }

    /// <summary>
    /// promtool parses both expositions, and MerCluster's families pass its lint. Orleans' own instruments do not (no
    /// descriptions, milliseconds, a camelCase label) and are not ours to fix. The plain text format is the one promtool
    /// reads: in it target_info is a gauge, where the OpenMetrics format's <c># TYPE target info</c> is an error to
    /// promtool 2.42.
    /// </summary>
    [Fact]
    public async Task Promtool_parses_the_coordinators_and_a_silos_exposition_and_finds_no_problem_in_merclusters_families()
    {
        await using var cluster = await MetricsCluster.StartAsync("linted-silo");
        await cluster.WaitCompleteAsync(await cluster.SubmitAsync("linted"), SweepTimeout);

        var coordinator = await cluster.ScrapeAsync();
        var silo = await cluster.ScrapeAsync("linted-silo");
        foreach (var (who, exposition) in new[] { ("coordinator", coordinator), ("silo", silo) })
        {
            var problems = await Promtool.LintAsync(exposition);
            Assert.True(!problems.Any(p => p.StartsWith("mer_", StringComparison.Ordinal)),
                $"promtool check metrics on the {who}'s exposition: {string.Join("\n", problems)}\n{exposition}");
            Assert.Contains("# TYPE target_info gauge\n", exposition);
            // Running totals are there before anything was counted (the coordinator's are this test process's, shared with other tests).
            Assert.Contains("mer_failovers_total{} ", exposition);
            Assert.Contains("mer_errors_total{kind=\"silo_lost\"} ", exposition);
            Assert.Contains("orleans_catalog_activations{", exposition);
            Assert.Contains("mer_silo_slots{", exposition);
        }
        Assert.Contains("mer_silo_alive_age_seconds{", coordinator);
        Assert.Contains("mer_trial_uf1{", coordinator);
        Assert.Contains("mer_silo_slots{silo=\"linted-silo\",state=\"free\"} 1\n", silo);
        Assert.Contains("mer_failovers_total{} 0\n", silo);
        Assert.Contains("mer_fold_duration_seconds_bucket{", silo);
        Assert.Contains("mer_train_samples_total{device=\"cpu\",silo=\"linted-silo\"} 0\n", silo);
        Assert.Contains("mer_feature_cache_hits_total{} ", silo);
    }

    [Fact]
    public async Task A_silo_killed_mid_sweep_shows_as_one_failover_per_lost_attempt()
    {
        await using var cluster = await MetricsCluster.StartAsync("doomed-silo", "surviving-silo");
        var sweepId = await cluster.SubmitAsync("failover", "{name: noop, duration: 2s}");
        await using var store = await CoordinationStore.OpenAsync(cluster.Coordinator.StoreUrl);
        var deadline = DateTime.UtcNow + SweepTimeout;
        while (!(await store.SweepFoldsAsync(sweepId)).Any(f => f.State == FoldStates.Running && f.Silo == "doomed-silo"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no fold ran on doomed-silo\n{cluster.Output}");
            await Task.Delay(100);
        }
        cluster.Silo("doomed-silo").Kill();
        await cluster.WaitCompleteAsync(sweepId, SweepTimeout);

        var lost = 0;
        foreach (var fold in await store.SweepFoldsAsync(sweepId))
            lost += (await store.AttemptsAsync(fold.Id)).Count(a => a.Error?.Contains("died", StringComparison.Ordinal) == true);
        Assert.InRange(lost, 1, 2);
        // Whichever silo took a lost attempt back counted it: the coordinator (sweep grains) or the surviving silo (fold grains).
        var expositions = new[] { await cluster.ScrapeAsync(), await cluster.ScrapeAsync("surviving-silo") };
        Assert.Equal(lost, expositions.Sum(e => Exposition.Sum(e, "mer_failovers_total")));
        Assert.Equal(lost, expositions.Sum(e => Exposition.Sum(e, "mer_errors_total", "kind=\"silo_lost\"")));
    }

    /// <summary>
    /// Tests and embedded sweeps run several silos in one process: each exporter reports its own host's Orleans silo and
    /// store gauges, not a mix of every host's (the process-wide MerCluster meters are shared, as they are meant to be).
    /// </summary>
    [Fact]
    public async Task Two_coordinators_in_one_process_each_export_their_own_store_and_orleans_silo()
    {
        await using var busy = await MetricsCluster.StartAsync();
        await using var idle = await MetricsCluster.StartAsync();
        // No silo has a slot: the sweep stays pending, its sweep grain active on the busy coordinator's silo.
        var sweepId = await busy.SubmitAsync("isolated");

        var busyExposition = await busy.ScrapeAsync();
        var idleExposition = await idle.ScrapeAsync();
        Assert.Equal(12, Exposition.Sum(busyExposition, "mer_sweep_folds", $"sweep=\"{sweepId}\""));
        Assert.DoesNotContain(sweepId, idleExposition);
        Assert.Equal(1, Exposition.Sum(busyExposition, "mer_silos", "status=\"Active\""));
        Assert.Equal(1, Exposition.Sum(idleExposition, "mer_silos", "status=\"Active\""));
        Assert.True(Exposition.Sum(busyExposition, "orleans_catalog_activations", "grain_type=\"sweep\"") >= 1, busyExposition);
        Assert.Equal(0, Exposition.Sum(idleExposition, "orleans_catalog_activations", "grain_type=\"sweep\""));
    }

    [Fact]
    public async Task A_silo_whose_metrics_port_is_in_use_exits_before_joining_and_names_the_port()
    {
        using var directory = new TempDirectory();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, output) = await MerCli.RunAsync(TimeSpan.FromSeconds(60), null,
            "silo", "--store", directory.SqliteUrl, "--slots", "1", "--name", "portless", "--metrics-port", port);

        Assert.Equal(1, code);
        Assert.EndsWith($"--metrics-port {port}: Address already in use", output.TrimEnd());
        Assert.Empty(await Membership.ReadAsync(directory.SqliteUrl));
    }

    private static double Value(JsonElement result, int index) =>
        double.Parse(result[index].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}

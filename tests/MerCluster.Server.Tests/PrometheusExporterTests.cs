using System.Diagnostics.Metrics;
using MerCluster.Core.Telemetry;

namespace MerCluster.Server.Tests;

public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new("MerCluster.Tests.Exporter");
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests() => _exporter = new PrometheusExporter(meter => meter == _meter);

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void A_counter_is_exported_with_total_suffix_sorted_labels_and_escaped_values()
    {
        var counter = _meter.CreateCounter<long>("mer_requests", "{request}", "Requests served.\nSecond line with a \\ backslash.");
        counter.Add(2, new("path", "C:\\dir \"quoted\"\nnext"), new("code", "200"));
        counter.Add(3, new("path", "C:\\dir \"quoted\"\nnext"), new("code", "200"));
        counter.Add(1, new("code", "500"), new("path", "/"));

        Assert.Equal(
            "# HELP mer_requests_total Requests served.\\nSecond line with a \\\\ backslash.\n" +
            "# TYPE mer_requests_total counter\n" +
            "mer_requests_total{code=\"200\",path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 5\n" +
            "mer_requests_total{code=\"500\",path=\"/\"} 1\n",
            _exporter.Collect());
    }

    [Fact]
    public void Gauges_keep_the_last_value_and_up_down_counters_sum()
    {
        var gauge = _meter.CreateGauge<double>("queue_depth", "{item}", "Items waiting.");
        gauge.Record(7, new KeyValuePair<string, object?>("queue", "a"));
        gauge.Record(2.5, new KeyValuePair<string, object?>("queue", "a"));
        var upDown = _meter.CreateUpDownCounter<int>("mer_in_flight", null, "In flight.");
        upDown.Add(3);
        upDown.Add(-1);

        Assert.Equal(
            "# HELP mer_in_flight In flight.\n# TYPE mer_in_flight gauge\nmer_in_flight 2\n" +
            "# HELP mer_queue_depth Items waiting.\n# TYPE mer_queue_depth gauge\nmer_queue_depth{queue=\"a\"} 2.5\n",
            _exporter.Collect());
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_up_to_inf_with_sum_and_count_in_base_units()
    {
        var histogram = _meter.CreateHistogram<double>("mer_step_duration", "s", "Step time.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        foreach (var seconds in new[] { 0.05, 0.1, 0.5, 20 })
            histogram.Record(seconds, new KeyValuePair<string, object?>("model", "ststnet"));

        Assert.Equal(
            "# HELP mer_step_duration_seconds Step time.\n# TYPE mer_step_duration_seconds histogram\n" +
            "mer_step_duration_seconds_bucket{model=\"ststnet\",le=\"0.1\"} 2\n" +
            "mer_step_duration_seconds_bucket{model=\"ststnet\",le=\"1\"} 3\n" +
            "mer_step_duration_seconds_bucket{model=\"ststnet\",le=\"10\"} 3\n" +
            "mer_step_duration_seconds_bucket{model=\"ststnet\",le=\"+Inf\"} 4\n" +
            "mer_step_duration_seconds_sum{model=\"ststnet\"} 20.65\n" +
            "mer_step_duration_seconds_count{model=\"ststnet\"} 4\n",
            _exporter.Collect());
    }

    [Fact]
    public void Observable_gauges_report_only_what_the_latest_collection_observed()
    {
        var values = new List<Measurement<long>> { new(4, new KeyValuePair<string, object?>("state", "done")) };
        _meter.CreateObservableGauge("mer_folds", () => values, "{fold}", "Folds.");
        Assert.Contains("mer_folds{state=\"done\"} 4\n", _exporter.Collect());

        values = [new(1, new KeyValuePair<string, object?>("state", "failed"))];
        var second = _exporter.Collect();
        Assert.Contains("mer_folds{state=\"failed\"} 1\n", second);
        Assert.DoesNotContain("state=\"done\"", second);
    }

    [Fact]
    public void An_instrument_without_measurements_still_has_its_help_and_type()
    {
        _meter.CreateCounter<long>("mer_feature_cache_bytes_read", "By", "Bytes read.");
        Assert.Equal("# HELP mer_feature_cache_bytes_read_total Bytes read.\n# TYPE mer_feature_cache_bytes_read_total counter\n", _exporter.Collect());
    }

    [Theory]
    [InlineData("mer_fold_duration", "s", false, "mer_fold_duration_seconds")]
    [InlineData("mer_fold_duration_seconds", "s", false, "mer_fold_duration_seconds")]
    [InlineData("mer_feature_cache_hits", "{feature}", true, "mer_feature_cache_hits_total")]
    [InlineData("mer_errors_total", null, true, "mer_errors_total")]
    [InlineData("cache.bytes-written", "By", true, "mer_cache_bytes_written_total")]
    [InlineData("http.server.size", "By", false, "mer_http_server_size_bytes")]
    public void Metric_names_get_the_prefix_the_base_unit_and_total(string instrument, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(instrument, unit, counter));

    [Fact]
    public void The_feature_cache_meter_named_in_core_is_the_pipelines() =>
        Assert.Equal(MerCluster.Pipeline.Cache.FeatureCacheMetrics.MeterName, MerMetrics.FeatureCacheMeterName);
}

using System.Runtime.CompilerServices;
using MerCluster.Core.Telemetry;
using MerCluster.Orchestration.Cluster;
using MerCluster.Pipeline.Cache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MerCluster.Server;

/// <summary>
/// How a MerCluster process exports its metrics: OpenTelemetry's SDK in the host of its silo, with a Prometheus exporter
/// (the ASP.NET Core one at `mer server`'s /metrics, the HttpListener one at `mer silo --metrics-port`). It reads the
/// process-wide meters (<see cref="MerMetrics"/>, the feature cache) and, from the meters of this host only, Orleans'
/// own instruments, the silo's slots and the coordinator's store gauges: tests and embedded sweeps run several silos
/// in one process, and each exporter speaks for its own.
/// </summary>
public static class MetricsExport
{
    /// <summary>The Meter Orleans' runtime records on (activations, grains, messaging, directory, ...), one per silo host.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>The coordinator's store gauges hold a series per trial and state of every sweep in the store: more than the SDK's default 2000.</summary>
    public const int StoreCardinalityLimit = 20_000;

    private static readonly string[] ProcessMeters = [MerMetrics.MeterName, FeatureCacheMetrics.MeterName];

    private static readonly string[] HostMeters = [OrleansMeterName, SiloMetrics.MeterName, StoreMetrics.MeterName];

    /// <summary>`mer silo --metrics-port`: /metrics on every interface at <paramref name="port"/>, served by OpenTelemetry's HttpListener exporter.</summary>
    public static void AddSiloMetrics(IHostApplicationBuilder builder, int port) =>
        Add(builder, "mer-silo", metrics => metrics.AddPrometheusHttpListener(options =>
        {
            options.Port = port;
            // The options name a single host (localhost by default, and the prefix they build rejects a wildcard):
            // Prometheus on another machine must reach the silo, so the listener takes every interface.
            options.ConfigureHttpListener = (_, listener) =>
            {
                listener.Prefixes.Clear();
                listener.Prefixes.Add($"http://*:{port}/");
            };
            options.ScopeInfoEnabled = false;
        }));

    /// <summary>`mer server`: the exporter the coordinator maps at /metrics (<see cref="CoordinatorServer"/>).</summary>
    public static void AddCoordinatorMetrics(IHostApplicationBuilder builder) =>
        Add(builder, "mer-server", metrics => metrics.AddPrometheusExporter(options => options.ScopeInfoEnabled = false));

    /// <summary>
    /// The meters, the resource (target_info{service_name="mer-silo"} or "mer-server"; Prometheus' instance label tells
    /// processes apart) and the exporter. The exporters' scope info stays off: an otel_scope_name label on every series
    /// would only repeat the meter names.
    /// </summary>
    private static void Add(IHostApplicationBuilder builder, string service, Action<MeterProviderBuilder> exporter)
    {
        // The process-wide meters belong to static holders, created when first used: creating them now puts their
        // running totals (errors, failovers, feature cache) in the first scrape, before anything was counted.
        RuntimeHelpers.RunClassConstructor(typeof(MerMetrics).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(FeatureCacheMetrics).TypeHandle);
        foreach (var meter in HostMeters)
            builder.Metrics.EnableMetrics(meter, scopes: MeterScope.Local);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service, autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ProcessMeters);
                metrics.AddView(instrument => instrument.Meter.Name == StoreMetrics.MeterName
                    ? new MetricStreamConfiguration { CardinalityLimit = StoreCardinalityLimit }
                    : null);
                exporter(metrics);
            });
    }
}

using MerCluster.Core.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MerCluster.Server;

/// <summary>
/// A silo's /metrics: a small HTTP listener serving the process-wide meters (fold durations, training throughput,
/// feature-cache counters, errors). `mer silo --metrics-port N` starts one; dispose it when the silo stops.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly PrometheusExporter _exporter;

    private MetricsEndpoint(WebApplication app, PrometheusExporter exporter)
    {
        _app = app;
        _exporter = exporter;
    }

    /// <summary>The URL the endpoint listens on (with the actual port when 0 was asked for).</summary>
    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Serves /metrics on every interface at <paramref name="port"/> (0: a free port), so Prometheus on another host can scrape it.</summary>
    public static MetricsEndpoint Start(int port) => StartAsync($"http://0.0.0.0:{port}").GetAwaiter().GetResult();

    public static async Task<MetricsEndpoint> StartAsync(string urls)
    {
        var exporter = ProcessMetrics.CreateExporter();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(exporter.Collect(), PrometheusText.ContentType));
        await app.StartAsync();
        return new MetricsEndpoint(app, exporter);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _exporter.Dispose();
    }
}

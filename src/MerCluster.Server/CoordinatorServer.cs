using System.Text.Json;
using MerCluster.Core.Telemetry;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Store;
using Orleans.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MerCluster.Server;

/// <summary>
/// The coordinator (`mer server`): the web API over the coordination store, /metrics in the Prometheus text format,
/// liveness/readiness probes, and the Orleans Dashboard at /dashboard. It joins the cluster as a silo without device slots: it hosts sweep and trial grains
/// but never trains, and submits and cancels sweeps through their grains. What it serves is read from the store, so it
/// can be restarted, or run twice, at any time.
/// </summary>
public sealed class CoordinatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CoordinationStore _store;
    private readonly StoreMetrics _storeMetrics;
    private readonly PrometheusExporter _exporter;

    private CoordinatorServer(WebApplication app, CoordinationStore store, StoreMetrics storeMetrics, PrometheusExporter exporter)
    {
        _app = app;
        _store = store;
        _storeMetrics = storeMetrics;
        _exporter = exporter;
    }

    /// <summary>The addresses Kestrel listens on (with the real port when port 0 was asked for).</summary>
    public IReadOnlyList<string> Urls => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();

    public static async Task<CoordinatorServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var store = await CoordinationStore.OpenAsync(options.StoreUrl, cancellationToken);
        var storeMetrics = new StoreMetrics(store);
        var exporter = ProcessMetrics.CreateExporter(storeMetrics.Meter);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        SiloHost.Configure(builder, new SiloSettings { StoreUrl = options.StoreUrl, Name = options.SiloName, Kubernetes = options.Kubernetes }, store,
            silo => silo.AddDashboard());
        builder.Services.Configure<JsonOptions>(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        var app = builder.Build();

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (CancellationToken ct) =>
        {
            try
            {
                await store.NowAsync(ct);
                return Results.Text("ready\n");
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
            {
                return Results.Text($"store {store.Location} unreachable: {e.Message}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        app.MapGet("/metrics", async (CancellationToken ct) =>
        {
            await storeMetrics.RefreshAsync(ct);
            return Results.Text(exporter.Collect(), PrometheusText.ContentType);
        });
        SweepApi.Map(app.MapGroup("/api"), store, app.Services.GetRequiredService<IGrainFactory>(), options);
        SweepProgressApi.Map(app.MapGroup("/api"), store, app.Services.GetRequiredService<IGrainFactory>());
        Pages.ResultsPages.Map(app, store);
        // Orleans' own view of the cluster: silos, grain activations and calls.
        app.MapOrleansDashboard("/dashboard");

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            exporter.Dispose();
            storeMetrics.Dispose();
            await store.DisposeAsync();
            throw;
        }
        return new CoordinatorServer(app, store, storeMetrics, exporter);
    }

    /// <summary>Runs until <paramref name="stopping"/> fires (Ctrl+C in `mer server`).</summary>
    public async Task WaitAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _exporter.Dispose();
        _storeMetrics.Dispose();
        await _store.DisposeAsync();
    }
}

using System.Diagnostics.Metrics;
using System.Text.Json;
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
/// The coordinator (`mer server`): the web API over the coordination store, /metrics (OpenTelemetry's Prometheus
/// exporter: the store gauges read at each scrape, Orleans' and MerCluster's instruments), liveness/readiness probes,
/// and the Orleans Dashboard at /dashboard. It joins the cluster as a silo without device slots: it hosts sweep and
/// trial grains but never trains, and submits and cancels sweeps through their grains. What it serves is read from the
/// store, so it can be restarted, or run twice, at any time.
/// </summary>
public sealed class CoordinatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CoordinationStore _store;

    private CoordinatorServer(WebApplication app, CoordinationStore store)
    {
        _app = app;
        _store = store;
    }

    /// <summary>The addresses Kestrel listens on (with the real port when port 0 was asked for).</summary>
    public IReadOnlyList<string> Urls => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();

    public static async Task<CoordinatorServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var store = await CoordinationStore.OpenAsync(options.StoreUrl, cancellationToken);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        SiloHost.Configure(builder, new SiloSettings { StoreUrl = options.StoreUrl, Name = options.SiloName, Kubernetes = options.Kubernetes }, store,
            silo => silo.AddDashboard());
        MetricsExport.AddCoordinatorMetrics(builder);
        builder.Services.AddSingleton(services => new StoreMetrics(store, services.GetRequiredService<IMeterFactory>()));
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
        // The exporter calls the store gauges' callbacks, which cannot wait: the store is read just before, for each scrape.
        var storeMetrics = app.Services.GetRequiredService<StoreMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: scrape => scrape.Use(async (context, next) =>
        {
            await storeMetrics.RefreshAsync(context.RequestAborted);
            await next(context);
        }), optionsName: null);
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
            await store.DisposeAsync();
            throw;
        }
        return new CoordinatorServer(app, store);
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
        await _store.DisposeAsync();
    }
}

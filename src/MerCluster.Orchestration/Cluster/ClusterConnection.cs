using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// A client of a running cluster (`mer sweep submit`, `mer sweep cancel`): finds the silos' gateways in the store's
/// membership table and talks to grains through them. Fails with a message naming the store when no silo is running.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long connecting may take before the client gives up.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly IHost _host;

    private ClusterConnection(IHost host, CoordinationStore store)
    {
        _host = host;
        Store = store;
        Grains = host.Services.GetRequiredService<IClusterClient>();
    }

    public CoordinationStore Store { get; }

    public IGrainFactory Grains { get; }

    public static async Task<ClusterConnection> ConnectAsync(string storeUrl, CancellationToken cancellationToken = default)
    {
        var store = await CoordinationStore.OpenAsync(storeUrl, cancellationToken);
        var silos = (await store.ReadMembershipAsync(ClusterNames.Cluster, cancellationToken: cancellationToken))?.Silos ?? [];
        if (!silos.Any(s => s.Status == nameof(SiloStatus.Active) && s.ProxyPort > 0))
        {
            await store.DisposeAsync();
            throw new StoreException($"no silo of the cluster on {store.Location} is running: start one with `mer silo --store {store.Location}`");
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterNames.Cluster, ClusterNames.Cluster));
            client.UseStoreClustering(storeUrl);
        });
        var host = builder.Build();
        try
        {
            // A silo that died a moment ago may still be listed as active: give up after a while instead of retrying forever.
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connecting.CancelAfter(ConnectTimeout);
            await host.StartAsync(connecting.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            await store.DisposeAsync();
            throw new StoreException($"no silo of the cluster on {store.Location} answers ({e.Message}): start one with `mer silo --store {store.Location}`", e);
        }
        return new ClusterConnection(host, store);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await Store.DisposeAsync();
    }
}

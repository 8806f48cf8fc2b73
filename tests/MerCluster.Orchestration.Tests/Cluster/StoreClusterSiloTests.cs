using System.Net;
using System.Net.Sockets;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>A real Orleans silo and client clustered through a SQLite store file: state and reminders outlive the silo.</summary>
public sealed class StoreClusterSiloTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task A_grains_state_and_reminder_survive_a_silo_restart_on_the_same_store_file()
    {
        var url = _temp.SqliteUrl;
        using var deadline = new CancellationTokenSource(Deadline);

        await using (var silo = await StartAsync(Silo(url), deadline.Token))
        await using (var client = await StartAsync(Client(url), deadline.Token))
        {
            var counter = client.Services.GetRequiredService<IClusterClient>().GetGrain<IStoreCounterGrain>("casme2/sub01");
            Assert.Equal(1, await counter.Increment());
            Assert.Equal(2, await counter.Increment());
            Assert.True(await counter.HasReminder());
            await client.StopAsync(deadline.Token);
            await silo.StopAsync(deadline.Token);
        }

        await using (var silo = await StartAsync(Silo(url), deadline.Token))
        await using (var client = await StartAsync(Client(url), deadline.Token))
        {
            var counter = client.Services.GetRequiredService<IClusterClient>().GetGrain<IStoreCounterGrain>("casme2/sub01");
            Assert.Equal(2, await counter.Count());
            Assert.True(await counter.HasReminder());
            Assert.Equal(3, await counter.Increment());
            await client.StopAsync(deadline.Token);
            await silo.StopAsync(deadline.Token);
        }

        // Each silo joined as a row of its own and left it Dead on its way out.
        await using var providers = new StoreProviders(url);
        var table = await providers.MembershipAsync("store-cluster");
        var statuses = (await table.ReadAll()).Members.Select(m => m.Item1.Status).ToList();
        Assert.Equal(new[] { SiloStatus.Dead, SiloStatus.Dead }, statuses);
    }

    private static HostApplicationBuilder Silo(string url)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo
            .UseStoreClustering(url)
            .Configure<ClusterOptions>(Name)
            .ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort()));
        return builder;
    }

    private static HostApplicationBuilder Client(string url)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client
            .UseStoreClustering(url)
            .Configure<ClusterOptions>(Name));
        return builder;
    }

    private static void Name(ClusterOptions options)
    {
        options.ClusterId = "store-cluster";
        options.ServiceId = "store-service";
    }

    private static async Task<AsyncDisposableHost> StartAsync(HostApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new AsyncDisposableHost(host);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A started host, disposed asynchronously (Orleans' services only dispose that way).</summary>
    private sealed class AsyncDisposableHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public Task StopAsync(CancellationToken cancellationToken) => host.StopAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (host is IAsyncDisposable disposable)
                await disposable.DisposeAsync();
            else
                host.Dispose();
        }
    }

    public void Dispose() => _temp.Dispose();
}

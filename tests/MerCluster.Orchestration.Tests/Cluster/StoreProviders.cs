using System.Net;
using MerCluster.Orchestration.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>The store's Orleans providers built by hand over one store URL, as a silo would build them, for calling their interfaces directly.</summary>
public sealed class StoreProviders(string url) : IAsyncDisposable
{
    public const string ClusterId = "test-cluster";
    public const string ServiceId = "test-service";

    // A silo host built but never started: the grain storage serializer and activators Orleans configures by default.
    private static readonly Lazy<IHost> Orleans = new(() =>
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseLocalhostClustering());
        return builder.Build();
    });

    public ClusterStore Store { get; } = new(url);

    public string Url => url;

    public static IOptions<ClusterOptions> Options(string clusterId = ClusterId, string serviceId = ServiceId) =>
        Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = serviceId });

    public async Task<StoreMembershipTable> MembershipAsync(string clusterId = ClusterId)
    {
        var table = new StoreMembershipTable(Store, Options(clusterId));
        await table.InitializeMembershipTable(tryInitTableVersion: true);
        return table;
    }

    public StoreGatewayListProvider Gateways(string clusterId = ClusterId) =>
        new(Store, Options(clusterId), Microsoft.Extensions.Options.Options.Create(new GatewayOptions()));

    public StoreGrainStorage GrainStorage(string serviceId = ServiceId) => new("store", Store, Options(serviceId: serviceId),
        Orleans.Value.Services.GetRequiredService<IGrainStorageSerializer>(), Orleans.Value.Services.GetRequiredService<IActivatorProvider>());

    public async Task<StoreReminderTable> RemindersAsync(string serviceId = ServiceId)
    {
        var table = new StoreReminderTable(Store, Options(serviceId: serviceId));
        await table.Init();
        return table;
    }

    /// <summary>Now in UTC, truncated to the millisecond: what the store keeps of a time.</summary>
    public static DateTime Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).UtcDateTime;

    public static SiloAddress Silo(int port, int generation = 1) => SiloAddress.New(IPAddress.Loopback, port, generation);

    public static MembershipEntry Entry(SiloAddress silo, SiloStatus status = SiloStatus.Active, DateTime? iAmAlive = null) => new()
    {
        SiloAddress = silo,
        Status = status,
        SiloName = $"silo-{silo.Endpoint.Port}",
        HostName = "node-a",
        RoleName = "fold-trainer",
        ProxyPort = silo.Endpoint.Port + 10_000,
        UpdateZone = 3,
        FaultZone = 7,
        SuspectTimes = [],
        StartTime = Now().AddMinutes(-5),
        IAmAliveTime = iAmAlive ?? Now(),
    };

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace MerCluster.Orchestration.Cluster;

/// <summary>Puts an Orleans silo's or client's cluster in the coordination store at a store URL (sqlite:PATH or postgres://...).</summary>
public static class StoreClusterExtensions
{
    /// <summary>The name under which the store's grain storage is registered besides the default: <c>[PersistentState("x", "store")]</c>.</summary>
    public const string StorageName = "store";

    /// <summary>
    /// Membership table, grain storage (as the default storage and as <see cref="StorageName"/>) and reminders, all in
    /// the store at <paramref name="storeUrl"/>; membership is per <see cref="ClusterOptions.ClusterId"/>, state and
    /// reminders per <see cref="ClusterOptions.ServiceId"/>.
    /// </summary>
    public static ISiloBuilder UseStoreClustering(this ISiloBuilder builder, string storeUrl)
    {
        AddClusterStore(builder.Services, storeUrl);
        builder.Services.AddSingleton<IMembershipTable, StoreMembershipTable>();
        builder.Services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, CreateGrainStorage);
        builder.Services.AddGrainStorage(StorageName, CreateGrainStorage);
        builder.AddReminders();
        builder.Services.AddSingleton<IReminderTable, StoreReminderTable>();
        return builder;
    }

    /// <summary>A client that finds its gateways among the Active silos of the store at <paramref name="storeUrl"/>.</summary>
    public static IClientBuilder UseStoreClustering(this IClientBuilder builder, string storeUrl)
    {
        AddClusterStore(builder.Services, storeUrl);
        builder.Services.AddSingleton<IGatewayListProvider, StoreGatewayListProvider>();
        return builder;
    }

    private static void AddClusterStore(IServiceCollection services, string storeUrl)
    {
        _ = new ClusterStore(storeUrl);
        services.TryAddSingleton(_ => new ClusterStore(storeUrl));
    }

    private static StoreGrainStorage CreateGrainStorage(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<ClusterStore>(),
        services.GetRequiredService<IOptions<ClusterOptions>>(),
        services.GetRequiredService<IGrainStorageSerializer>(),
        services.GetRequiredService<IActivatorProvider>());
}

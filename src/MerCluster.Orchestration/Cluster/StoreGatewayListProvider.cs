using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// The gateways a client may connect to: the proxy endpoints of the silos that are Active in the membership table of
/// <see cref="ClusterOptions.ClusterId"/>, re-read every <see cref="GatewayOptions.GatewayListRefreshPeriod"/>.
/// </summary>
public sealed class StoreGatewayListProvider(ClusterStore store, IOptions<ClusterOptions> clusterOptions, IOptions<GatewayOptions> gatewayOptions)
    : IGatewayListProvider
{
    private readonly string _clusterId = clusterOptions.Value.ClusterId;

    public TimeSpan MaxStaleness => gatewayOptions.Value.GatewayListRefreshPeriod;

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => InitializeGatewayListProviderAsync(CancellationToken.None);

    public async Task InitializeGatewayListProviderAsync(CancellationToken cancellationToken) => await store.OpenAsync(cancellationToken);

    public Task<IList<Uri>> GetGateways() => GetGatewaysAsync(CancellationToken.None);

    public async Task<IList<Uri>> GetGatewaysAsync(CancellationToken cancellationToken)
    {
        var snapshot = await (await store.OpenAsync(cancellationToken)).ReadMembershipAsync(_clusterId, cancellationToken: cancellationToken);
        return (snapshot?.Silos ?? [])
            .Where(s => s.Status == nameof(SiloStatus.Active) && s.ProxyPort > 0)
            .Select(s => Utils.ToGatewayUri(StoreMembershipTable.ToSiloAddress(s.Address, s.ProxyPort, s.Generation)))
            .ToList();
    }
}

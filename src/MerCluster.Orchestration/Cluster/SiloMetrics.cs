using System.Diagnostics.Metrics;
using MerCluster.Core.Telemetry;
using MerCluster.Orchestration.Grains;
using Microsoft.Extensions.Hosting;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// This silo's own series, published when its host starts: its device slots as the gauge <c>mer_silo_slots{silo,state}</c>
/// (busy: training a fold; free), on the Meter <c>MerCluster.Silo</c> created by the host's meter factory so that an
/// exporter in this host reports this silo only (tests and embedded sweeps run several silos in one process); and its
/// training throughput per device at 0, so that rate() has a start point before the first epoch.
/// </summary>
public sealed class SiloMetrics(IMeterFactory meters, SiloSlots slots, ILocalSiloDetails silo) : IHostedService
{
    public const string MeterName = "MerCluster.Silo";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        meters.Create(MeterName).CreateObservableGauge("mer_silo_slots", Observe, "{slot}",
            "This silo's device slots by state: busy (training a fold) or free; a silo without slots (mer server) has 0 of each.");
        foreach (var device in slots.Devices.Distinct())
            MerMetrics.Trained(silo.Name, device, 0, 0);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<int>> Observe()
    {
        var busy = slots.Busy;
        var name = new KeyValuePair<string, object?>(MerMetrics.Labels.Silo, silo.Name);
        return
        [
            new(busy, name, new KeyValuePair<string, object?>(MerMetrics.Labels.State, "busy")),
            new(slots.Count - busy, name, new KeyValuePair<string, object?>(MerMetrics.Labels.State, "free")),
        ];
    }
}

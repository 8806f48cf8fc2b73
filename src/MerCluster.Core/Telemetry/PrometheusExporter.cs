using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace MerCluster.Core.Telemetry;

/// <summary>
/// Listens to System.Diagnostics.Metrics instruments and writes them in the Prometheus text exposition format. Which
/// meters it exports is the caller's choice: <see cref="IsProcessMeter"/> for the process-wide ones, plus any meter
/// instance a component owns (the coordinator's store gauges), so two exporters in one process never mix their
/// components' series. Every published instrument is exported with HELP and TYPE even before its first measurement,
/// so dashboards and alerts can rely on the family being there.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, MetricFamily> _families = new();
    private readonly object _collecting = new();

    public PrometheusExporter(Func<Meter, bool> include)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!include(instrument.Meter) || MetricFamily.For(instrument) is not { } family)
                return;
            _families[instrument] = family;
            listener.EnableMeasurementEvents(instrument, family);
        };
        _listener.MeasurementsCompleted = (instrument, _) => _families.TryRemove(instrument, out MetricFamily? _);
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>An exporter of the process-wide meters (<see cref="MerMetrics.ProcessMeters"/>) and of <paramref name="owned"/>.</summary>
    public static PrometheusExporter ForProcess(params Meter[] owned) =>
        new(meter => IsProcessMeter(meter) || owned.Contains(meter));

    public static bool IsProcessMeter(Meter meter) => MerMetrics.ProcessMeters.Contains(meter.Name);

    /// <summary>Asks the observable instruments for their values, then writes every family, sorted by name.</summary>
    public string Collect()
    {
        lock (_collecting)
        {
            var families = _families.Values.ToList();
            foreach (var family in families.Where(f => f.Observable))
                family.BeginObservation();
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var group in families.GroupBy(f => f.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
                group.First().WriteTo(text);
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}

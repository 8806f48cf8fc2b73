using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using MerCluster.Core.Telemetry;

namespace MerCluster.Core.Tests;

public sealed class MerMetricsTests
{
    [Fact]
    public void Every_error_kind_is_exported_before_its_first_error()
    {
        using var listener = new MeterListener();
        var kinds = new List<string>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MerMetrics.MeterName && instrument.Name == "mer_errors")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                kinds.Add((string)tag.Value!);
        });
        listener.Start();
        RuntimeHelpers.RunClassConstructor(typeof(MerMetrics).TypeHandle);
        listener.RecordObservableInstruments();
        Assert.Equal(MerMetrics.ErrorKinds.All.Order(), kinds.Order());
    }
}

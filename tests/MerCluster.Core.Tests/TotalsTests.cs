using System.Diagnostics.Metrics;
using MerCluster.Core.Telemetry;

namespace MerCluster.Core.Tests;

public sealed class TotalsTests : IDisposable
{
    private readonly Meter _meter = new("MerCluster.Tests.Totals");
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, long Value, string Labels)> _observed = [];

    public TotalsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _meter)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            _observed.Add((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meter.Dispose();
    }

    private List<(string Instrument, long Value, string Labels)> Observe()
    {
        _observed.Clear();
        _listener.RecordObservableInstruments();
        return [.. _observed.OrderBy(o => o.Labels, StringComparer.Ordinal)];
    }

    [Fact]
    public void A_total_without_labels_is_observed_at_zero_before_anything_was_added()
    {
        var failovers = Totals.Create(_meter, "mer_failovers", "{attempt}", "Failovers.");
        Assert.Equal(new[] { ("mer_failovers", 0L, "") }, Observe());

        failovers.Add(1);
        failovers.Add(2);
        Assert.Equal(new[] { ("mer_failovers", 3L, "") }, Observe());
    }

    [Fact]
    public void Labelled_totals_keep_one_cumulative_series_per_label_values_from_their_first_add()
    {
        var samples = Totals.Create(_meter, "mer_train_samples", "{sample}", "Samples.", "silo", "device");
        Assert.Empty(Observe());

        samples.Add(0, "a", "cuda:0");
        samples.Add(0, "a", "cuda:1");
        samples.Add(64, "a", "cuda:0");
        samples.Add(32, "a", "cuda:0");
        Assert.Equal(new[] { ("mer_train_samples", 96L, "silo=a,device=cuda:0"), ("mer_train_samples", 0L, "silo=a,device=cuda:1") }, Observe());
        Assert.Equal(new[] { ("mer_train_samples", 96L, "silo=a,device=cuda:0"), ("mer_train_samples", 0L, "silo=a,device=cuda:1") }, Observe());
    }

    [Fact]
    public void Adding_with_the_wrong_number_of_label_values_names_the_labels()
    {
        var errors = Totals.Create(_meter, "mer_errors", "{error}", "Errors.", "kind");
        var thrown = Assert.Throws<ArgumentException>(() => errors.Add(1));
        Assert.Contains("0 label value(s) for the labels (kind)", thrown.Message);
    }
}

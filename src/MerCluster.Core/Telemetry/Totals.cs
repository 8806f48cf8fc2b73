using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MerCluster.Core.Telemetry;

/// <summary>
/// Process-wide running totals, one per set of label values, exported through an observable counter. An exporter shows
/// a plain <see cref="Counter{T}"/>'s series only after a measurement made while it listens; a total is there from the
/// first scrape: at 0 for a counter without labels, and from its first <see cref="Add"/> (of 0 for label values known in
/// advance) otherwise, so dashboards and alerts never query a series that is merely absent.
/// </summary>
public sealed class Totals
{
    private readonly string[] _labels;
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    private Totals(string[] labels)
    {
        _labels = labels;
        if (labels.Length == 0)
            Add(0);
    }

    /// <summary>Totals exported on <paramref name="meter"/> as the observable counter <paramref name="name"/>, labelled by <paramref name="labels"/>.</summary>
    public static Totals Create(Meter meter, string name, string unit, string description, params string[] labels)
    {
        var totals = new Totals(labels);
        meter.CreateObservableCounter(name, totals.Observe, unit, description);
        return totals;
    }

    /// <summary>Adds <paramref name="amount"/> to the total of the label values <paramref name="values"/> (one per label, in order).</summary>
    public void Add(long amount, params string[] values)
    {
        if (values.Length != _labels.Length)
            throw new ArgumentException($"{values.Length} label value(s) for the labels ({string.Join(", ", _labels)})", nameof(values));
        var series = _series.GetOrAdd(string.Join('\u001f', values), _ => new Series(
            _labels.Zip(values, (label, value) => new KeyValuePair<string, object?>(label, value)).ToArray()));
        Interlocked.Add(ref series.Value, amount);
    }

    private IEnumerable<Measurement<long>> Observe() =>
        _series.Values.Select(s => new Measurement<long>(Interlocked.Read(ref s.Value), s.Tags)).ToList();

    private sealed class Series(KeyValuePair<string, object?>[] tags)
    {
        public long Value;

        public KeyValuePair<string, object?>[] Tags => tags;
    }
}

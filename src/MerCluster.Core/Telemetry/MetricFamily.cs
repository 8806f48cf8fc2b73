using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MerCluster.Core.Telemetry;

/// <summary>
/// The exporter's aggregation of one instrument: one series per distinct label set. Counters sum (observable ones
/// report their cumulative value), up-down counters sum into a gauge, gauges keep the last value, histograms count
/// into cumulative buckets. Measurements arrive on any thread; a lock per family keeps them consistent.
/// </summary>
internal sealed class MetricFamily
{
    /// <summary>Prometheus' default buckets, for histograms that give no bucket advice.</summary>
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly object _gate = new();
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HistogramSeries> _histograms = new(StringComparer.Ordinal);
    private readonly double[] _bounds = [];

    private MetricFamily(Instrument instrument, MetricKind kind, bool observable, bool summing)
    {
        Kind = kind;
        Observable = observable;
        Summing = summing;
        Name = PrometheusText.MetricName(instrument.Name, instrument.Unit, kind == MetricKind.Counter);
        Help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        if (kind == MetricKind.Histogram)
            _bounds = BucketBounds(instrument) ?? DefaultBuckets;
    }

    public string Name { get; }

    public string Help { get; }

    public MetricKind Kind { get; }

    /// <summary>Observable instruments report at collection time: their series are replaced by each collection.</summary>
    public bool Observable { get; }

    private bool Summing { get; }

    /// <summary>The family of an instrument, or null for an instrument kind Prometheus has no type for.</summary>
    public static MetricFamily? For(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
            return null;
        var definition = type.GetGenericTypeDefinition();
        return definition switch
        {
            _ when definition == typeof(Counter<>) => new MetricFamily(instrument, MetricKind.Counter, false, true),
            _ when definition == typeof(ObservableCounter<>) => new MetricFamily(instrument, MetricKind.Counter, true, false),
            _ when definition == typeof(UpDownCounter<>) => new MetricFamily(instrument, MetricKind.Gauge, false, true),
            _ when definition == typeof(ObservableUpDownCounter<>) => new MetricFamily(instrument, MetricKind.Gauge, true, false),
            _ when definition == typeof(Gauge<>) => new MetricFamily(instrument, MetricKind.Gauge, false, false),
            _ when definition == typeof(ObservableGauge<>) => new MetricFamily(instrument, MetricKind.Gauge, true, false),
            _ when definition == typeof(Histogram<>) => new MetricFamily(instrument, MetricKind.Histogram, false, false),
            _ => null,
        };
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = LabelBlock(tags);
        lock (_gate)
        {
            if (Kind == MetricKind.Histogram)
            {
                if (!_histograms.TryGetValue(labels, out var series))
                    _histograms[labels] = series = new HistogramSeries(_bounds.Length + 1);
                series.Observe(_bounds, value);
            }
            else if (Summing)
                _values[labels] = _values.GetValueOrDefault(labels) + value;
            else
                _values[labels] = value;
        }
    }

    /// <summary>Forgets the last collection's observations, before the observable instruments report again.</summary>
    public void BeginObservation()
    {
        lock (_gate)
            _values.Clear();
    }

    public void WriteTo(StringBuilder text)
    {
        text.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusText.EscapeHelp(Help)).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(Kind.ToString().ToLowerInvariant()).Append('\n');
        lock (_gate)
        {
            foreach (var (labels, value) in _values.OrderBy(v => v.Key, StringComparer.Ordinal))
                text.Append(Name).Append(labels).Append(' ').Append(PrometheusText.Number(value)).Append('\n');
            foreach (var (labels, series) in _histograms.OrderBy(v => v.Key, StringComparer.Ordinal))
                series.WriteTo(text, Name, labels, _bounds);
        }
    }

    private static string LabelBlock(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
            labels.Add(KeyValuePair.Create(PrometheusText.LabelName(tag.Key), Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? ""));
        return PrometheusText.Labels(labels);
    }

    private static double[]? BucketBounds(Instrument instrument) => instrument switch
    {
        Instrument<double> d => d.Advice?.HistogramBucketBoundaries?.ToArray(),
        Instrument<float> f => f.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<long> l => l.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };

    private sealed class HistogramSeries(int buckets)
    {
        private readonly long[] _counts = new long[buckets];
        private double _sum;
        private long _count;

        public void Observe(double[] bounds, double value)
        {
            var bucket = 0;
            while (bucket < bounds.Length && value > bounds[bucket])
                bucket++;
            _counts[bucket]++;
            _sum += value;
            _count++;
        }

        public void WriteTo(StringBuilder text, string name, string labels, double[] bounds)
        {
            long cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += _counts[i];
                var le = i < bounds.Length ? PrometheusText.Number(bounds[i]) : "+Inf";
                var withLe = labels.Length == 0 ? $"{{le=\"{le}\"}}" : $"{labels[..^1]},le=\"{le}\"}}";
                text.Append(name).Append("_bucket").Append(withLe).Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            text.Append(name).Append("_sum").Append(labels).Append(' ').Append(PrometheusText.Number(_sum)).Append('\n');
            text.Append(name).Append("_count").Append(labels).Append(' ').Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}

internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Router.TrafficManager.Admin;

/// <summary>
/// Renders the process's <c>Router.*</c> instruments in the Prometheus text exposition format 0.0.4 (<c>GET /metrics</c>),
/// fed by a <see cref="MeterListener"/>: no exporter package is needed, and the instruments are the ones exported
/// over OTLP.
/// </summary>
/// <remarks>
/// <para>
/// Names follow the OpenTelemetry-to-Prometheus conventions: dots become underscores, the unit is appended
/// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>{query}</c> annotations dropped) and counters end in
/// <c>_total</c>. <see cref="Counter{T}"/> and <see cref="ObservableCounter{T}"/> are counters; up-down counters and
/// gauges are gauges; <see cref="Histogram{T}"/> is a histogram with cumulative buckets (the instrument's advice, else
/// <see cref="DefaultSecondsBuckets"/> for seconds and <see cref="DefaultBuckets"/> otherwise).
/// </para>
/// <para>
/// Measurements are aggregated per tag combination as they arrive. The record path is lock-free and allocation-free once
/// a tag combination has been seen: the series are found by the measurement's own tag span (a
/// <see cref="ConcurrentDictionary{TKey,TValue}"/> alternate lookup). An instrument keeps at most
/// <see cref="MaxSeriesPerInstrument"/> series; further combinations are counted in one <c>otel_metric_overflow="true"</c>
/// series. Observable instruments are read at scrape time; their series that no callback reported are dropped.
/// Thread-safe.
/// </para>
/// </remarks>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of <see cref="Scrape"/>'s text.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The most tag combinations kept per instrument.</summary>
    public const int MaxSeriesPerInstrument = 2000;

    /// <summary>OpenTelemetry's default explicit bucket boundaries (milliseconds and unitless values).</summary>
    public static readonly IReadOnlyList<double> DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    /// <summary>Bucket boundaries for durations in seconds, from half a millisecond to ten seconds.</summary>
    public static readonly IReadOnlyList<double> DefaultSecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Func<Meter, bool> _meterFilter;
    private readonly ConcurrentDictionary<Instrument, MetricFamily> _families = new();
    private readonly ScrapeGeneration _generation = new();
    private readonly Lock _scrapeLock = new();
    private readonly MeterListener _listener;

    /// <param name="meterFilter">Which meters to export; by default every meter named <c>Router</c> or <c>Router.*</c>.</param>
    public PrometheusExporter(Func<Meter, bool>? meterFilter = null)
    {
        _meterFilter = meterFilter ?? IsRouterMeter;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and renders every exported instrument as Prometheus text.</summary>
    public string Scrape()
    {
        lock (_scrapeLock)
        {
            _generation.Value++;
            _listener.RecordObservableInstruments();
            var builder = new StringBuilder(4096);
            string? previousName = null;
            var previousKind = MetricKind.Counter;
            var seenLabels = new HashSet<string>(StringComparer.Ordinal);

            // Two instruments can map to one name (two meters with one instrument name): one HELP/TYPE, every series once.
            foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ThenBy(f => f.Kind))
            {
                var series = family.CollectSeries(_generation.Value);
                if (series.Count == 0)
                {
                    continue;
                }

                if (family.Name != previousName)
                {
                    (previousName, previousKind) = (family.Name, family.Kind);
                    seenLabels.Clear();
                    WriteHeader(builder, family);
                }
                else if (family.Kind != previousKind)
                {
                    continue;
                }

                foreach (var one in series)
                {
                    if (seenLabels.Add(one.Labels))
                    {
                        WriteSeries(builder, family, one);
                    }
                }
            }

            return builder.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private static bool IsRouterMeter(Meter meter) =>
        meter.Name == "Router" || meter.Name.StartsWith("Router.", StringComparison.Ordinal);

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterFilter(instrument.Meter) || !TryClassify(instrument, out var kind, out bool cumulative))
        {
            return;
        }

        double[]? bounds = kind == MetricKind.Histogram ? HistogramBounds(instrument) : null;
        var family = new MetricFamily(PrometheusName(instrument, kind), instrument.Description, kind, cumulative,
            instrument.IsObservable, bounds, instrument is Counter<byte> or Counter<short> or Counter<int> or Counter<long> or Counter<float> or Counter<double> or Counter<decimal>,
            _generation);
        _families[instrument] = family;
        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state) => _families.TryRemove(instrument, out _);

    private static bool TryClassify(Instrument instrument, out MetricKind kind, out bool cumulative)
    {
        kind = MetricKind.Gauge;
        cumulative = true;
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return false;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            (kind, cumulative) = (MetricKind.Counter, false);
        }
        else if (definition == typeof(UpDownCounter<>))
        {
            (kind, cumulative) = (MetricKind.Gauge, false);
        }
        else if (definition == typeof(Histogram<>))
        {
            (kind, cumulative) = (MetricKind.Histogram, false);
        }
        else if (definition == typeof(ObservableCounter<>))
        {
            kind = MetricKind.Counter;
        }
        else if (definition != typeof(Gauge<>) && definition != typeof(ObservableGauge<>) && definition != typeof(ObservableUpDownCounter<>))
        {
            return false;
        }

        return true;
    }

    private static double[] HistogramBounds(Instrument instrument)
    {
        var advised = instrument switch
        {
            Instrument<byte> i => Convert(i.Advice?.HistogramBucketBoundaries),
            Instrument<short> i => Convert(i.Advice?.HistogramBucketBoundaries),
            Instrument<int> i => Convert(i.Advice?.HistogramBucketBoundaries),
            Instrument<long> i => Convert(i.Advice?.HistogramBucketBoundaries),
            Instrument<float> i => Convert(i.Advice?.HistogramBucketBoundaries),
            Instrument<double> i => Convert(i.Advice?.HistogramBucketBoundaries),
            Instrument<decimal> i => Convert(i.Advice?.HistogramBucketBoundaries),
            _ => null,
        };
        if (advised is { Length: > 0 })
        {
            return advised;
        }

        return [.. instrument.Unit == "s" ? DefaultSecondsBuckets : DefaultBuckets];

        static double[]? Convert<T>(IReadOnlyList<T>? boundaries)
            where T : struct, INumberBase<T> =>
            boundaries?.Select(double.CreateChecked).Where(b => !double.IsNaN(b)).Distinct().Order().ToArray();
    }

    /// <summary>The Prometheus name: sanitized, with the unit and (counters) <c>_total</c> appended.</summary>
    internal static string PrometheusName(Instrument instrument, MetricKind kind)
    {
        string name = SanitizeMetricName(instrument.Name);
        if (UnitSuffix(instrument.Unit, kind) is { } unit && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        if (kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>The Prometheus unit word for a UCUM unit (<c>s</c> → <c>seconds</c>); null for none or an annotation.</summary>
    internal static string? UnitSuffix(string? unit, MetricKind kind)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return null;
        }

        // Annotations in braces ({query}) say what is counted, not a unit.
        string text = RemoveAnnotations(unit).Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (text == "1")
        {
            return kind == MetricKind.Gauge ? "ratio" : null;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string? numerator = slash == 0 ? null : UnitWord(text[..slash], plural: true);
            string? denominator = UnitWord(text[(slash + 1)..], plural: false);
            return (numerator, denominator) switch
            {
                (null, null) => null,
                (null, _) => "per_" + denominator,
                (_, null) => numerator,
                _ => numerator + "_per_" + denominator,
            };
        }

        return UnitWord(text, plural: true);
    }

    private static string? UnitWord(string unit, bool plural)
    {
        string? word = unit switch
        {
            "d" => "day",
            "h" => "hour",
            "min" => "minute",
            "s" => "second",
            "ms" => "millisecond",
            "us" => "microsecond",
            "ns" => "nanosecond",
            "By" => "byte",
            "KiBy" => "kibibyte",
            "MiBy" => "mebibyte",
            "GiBy" => "gibibyte",
            "KBy" => "kilobyte",
            "MBy" => "megabyte",
            "GBy" => "gigabyte",
            "bit" => "bit",
            "Hz" => "hertz",
            "Cel" => "celsius",
            "%" => "percent",
            _ => null,
        };
        if (word is null)
        {
            string sanitized = SanitizeMetricName(unit).Trim('_');
            return sanitized.Length == 0 ? null : sanitized;
        }

        return plural && word is not ("hertz" or "celsius" or "percent") ? word + "s" : word;
    }

    private static string RemoveAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
        {
            return unit;
        }

        var builder = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Characters outside <c>[a-zA-Z0-9_:]</c> become <c>_</c>, runs of <c>_</c> collapse, a leading digit gets <c>_</c>.</summary>
    internal static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>Characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>, runs of <c>_</c> collapse, a leading digit gets <c>_</c>.</summary>
    internal static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    private static string Sanitize(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length + 1);
        foreach (char c in name)
        {
            bool valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            char next = valid ? c : '_';
            if (next == '_' && builder.Length > 0 && builder[^1] == '_')
            {
                continue;
            }

            builder.Append(next);
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>A label value with backslash, double quote and line feed escaped.</summary>
    internal static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny('\\', '"', '\n') < 0
            ? value
            : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>HELP text with backslash and line feed escaped.</summary>
    internal static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value as Prometheus writes it: <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>, or the shortest round-trip form.</summary>
    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void WriteHeader(StringBuilder builder, MetricFamily family)
    {
        if (!string.IsNullOrEmpty(family.Help))
        {
            builder.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
        }

        builder.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        }).Append('\n');
    }

    private static void WriteSeries(StringBuilder builder, MetricFamily family, Series series)
    {
        if (family.Kind != MetricKind.Histogram)
        {
            builder.Append(family.Name);
            AppendLabels(builder, series.Labels, null);
            builder.Append(' ').Append(FormatValue(Volatile.Read(ref series.Value))).Append('\n');
            return;
        }

        var bounds = family.Bounds!;
        long cumulative = 0;
        for (int i = 0; i <= bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref series.Buckets![i]);
            builder.Append(family.Name).Append("_bucket");
            AppendLabels(builder, series.Labels, i < bounds.Length ? FormatValue(bounds[i]) : "+Inf");
            builder.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        builder.Append(family.Name).Append("_sum");
        AppendLabels(builder, series.Labels, null);
        builder.Append(' ').Append(FormatValue(Volatile.Read(ref series.Value))).Append('\n');

        // The count is the buckets' total as read above, so it always equals the +Inf bucket.
        builder.Append(family.Name).Append("_count");
        AppendLabels(builder, series.Labels, null);
        builder.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void AppendLabels(StringBuilder builder, string labels, string? le)
    {
        if (labels.Length == 0 && le is null)
        {
            return;
        }

        builder.Append('{').Append(labels);
        if (le is not null)
        {
            builder.Append(labels.Length == 0 ? "" : ",").Append("le=\"").Append(le).Append('"');
        }

        builder.Append('}');
    }

    /// <summary>Renders a tag set as sorted, escaped <c>name="value"</c> pairs; tags whose names sanitize alike are joined with <c>;</c>.</summary>
    internal static string RenderLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            string name = SanitizeLabelName(tag.Key ?? string.Empty);
            string value = LabelValue(tag.Value);
            labels[name] = labels.TryGetValue(name, out string? existing) ? existing + ";" + value : value;
        }

        var builder = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(name).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }

        return builder.ToString();
    }

    private static string LabelValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static void AddDouble(ref double location, double value)
    {
        double current = Volatile.Read(ref location);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref location, current + value, current);
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }

    internal enum MetricKind
    {
        Counter,
        Gauge,
        Histogram,
    }

    /// <summary>The scrape counter observable series are stamped with, shared by every family.</summary>
    private sealed class ScrapeGeneration
    {
        public long Value;
    }

    /// <summary>One instrument: its Prometheus name and type, and its series by tag combination.</summary>
    private sealed class MetricFamily
    {
        private static readonly KeyValuePair<string, object?>[] OverflowTags = [new("otel.metric.overflow", true)];

        private readonly bool _cumulative;
        private readonly bool _observable;
        private readonly bool _monotonic;
        private readonly ScrapeGeneration _generation;
        private readonly ConcurrentDictionary<TagSet, Series> _series = new(TagSetComparer.Instance);
        private readonly ConcurrentDictionary<TagSet, Series>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
        private int _seriesCount;

        public MetricFamily(string name, string? help, MetricKind kind, bool cumulative, bool observable, double[]? bounds, bool monotonic,
            ScrapeGeneration generation)
        {
            Name = name;
            Help = help;
            Kind = kind;
            Bounds = bounds;
            _cumulative = cumulative;
            _observable = observable;
            _monotonic = monotonic;
            _generation = generation;
            _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
        }

        public string Name { get; }

        public string? Help { get; }

        public MetricKind Kind { get; }

        public double[]? Bounds { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (double.IsNaN(value) || (_monotonic && value < 0))
            {
                return;
            }

            var series = Find(tags);
            if (Kind == MetricKind.Histogram)
            {
                var bounds = Bounds!;
                int bucket = 0;
                while (bucket < bounds.Length && value > bounds[bucket])
                {
                    bucket++;
                }

                Interlocked.Increment(ref series.Buckets![bucket]);
                AddDouble(ref series.Value, value);
            }
            else if (_cumulative)
            {
                Volatile.Write(ref series.Value, value);
            }
            else
            {
                AddDouble(ref series.Value, value);
            }

            if (_observable)
            {
                Volatile.Write(ref series.Generation, _generation.Value);
            }
        }

        /// <summary>The series to render, sorted by labels; observable series no callback reported this scrape are dropped.</summary>
        public List<Series> CollectSeries(long generation)
        {
            var list = new List<Series>();
            foreach (var (tags, series) in _series)
            {
                if (_observable && Volatile.Read(ref series.Generation) != generation)
                {
                    if (_series.TryRemove(tags, out _))
                    {
                        Interlocked.Decrement(ref _seriesCount);
                    }

                    continue;
                }

                list.Add(series);
            }

            list.Sort(static (a, b) => string.CompareOrdinal(a.Labels, b.Labels));
            return list;
        }

        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (_lookup.TryGetValue(tags, out var series))
            {
                return series;
            }

            if (Volatile.Read(ref _seriesCount) >= MaxSeriesPerInstrument)
            {
                tags = OverflowTags;
                if (_lookup.TryGetValue(tags, out series))
                {
                    return series;
                }
            }

            var key = new TagSet(tags.ToArray());
            var created = new Series(RenderLabels(tags), Bounds is null ? null : new long[Bounds.Length + 1]);
            if (_series.TryAdd(key, created))
            {
                Interlocked.Increment(ref _seriesCount);
                return created;
            }

            return _series[key];
        }
    }

    /// <summary>The aggregate of one tag combination: a sum or last value, and for histograms the bucket counts.</summary>
    private sealed class Series(string labels, long[]? buckets)
    {
        /// <summary>The counter total, gauge value or histogram sum.</summary>
        public double Value;

        /// <summary>The scrape that last reported this observable series.</summary>
        public long Generation;

        /// <summary>The rendered labels, without braces.</summary>
        public string Labels { get; } = labels;

        /// <summary>Non-cumulative counts per bucket; the last is the +Inf bucket.</summary>
        public long[]? Buckets { get; } = buckets;
    }

    /// <summary>A tag combination as a dictionary key; equality ignores the order of the tags.</summary>
    private sealed class TagSet(KeyValuePair<string, object?>[] tags)
    {
        public KeyValuePair<string, object?>[] Tags { get; } = tags;

        public int Hash { get; } = TagSetComparer.HashOf(tags);
    }

    private sealed class TagSetComparer : IEqualityComparer<TagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
    {
        public static readonly TagSetComparer Instance = new();

        public bool Equals(TagSet? x, TagSet? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Hash == y.Hash && SameTags(x.Tags, y.Tags));

        public int GetHashCode(TagSet obj) => obj.Hash;

        public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other) => SameTags(alternate, other.Tags);

        public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => HashOf(alternate);

        public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => new(alternate.ToArray());

        /// <summary>Order-independent: the sum of the pairs' hashes.</summary>
        public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            int hash = tags.Length;
            foreach (var tag in tags)
            {
                hash = unchecked(hash + HashCode.Combine(tag.Key, tag.Value));
            }

            return hash;
        }

        private static bool SameTags(ReadOnlySpan<KeyValuePair<string, object?>> x, ReadOnlySpan<KeyValuePair<string, object?>> y)
        {
            if (x.Length != y.Length)
            {
                return false;
            }

            for (int i = 0; i < x.Length; i++)
            {
                // Usually the same order: check the same position first.
                if (SameTag(x[i], y[i]))
                {
                    continue;
                }

                bool found = false;
                foreach (var candidate in y)
                {
                    if (SameTag(x[i], candidate))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool SameTag(KeyValuePair<string, object?> x, KeyValuePair<string, object?> y) =>
            string.Equals(x.Key, y.Key, StringComparison.Ordinal) && Equals(x.Value, y.Value);
    }
}

using System.Diagnostics.Metrics;

namespace Router.Testing;

/// <summary>
/// Records the measurements of one instrument, identified by name, on one specific <see cref="Meter"/> instance.
/// </summary>
/// <typeparam name="T">
/// The instrument's value type: <see cref="byte"/>, <see cref="short"/>, <see cref="int"/>, <see cref="long"/>,
/// <see cref="float"/>, <see cref="double"/> or <see cref="decimal"/>. It must match the instrument's type argument;
/// an instrument of another type is not collected.
/// </typeparam>
/// <remarks>
/// Scoping to the <see cref="Meter"/> instance (not its name) keeps parallel tests apart: each test builds its own
/// meter (for example from its own <c>IMeterFactory</c>), so measurements from other tests never leak in. The
/// instrument may be created before or after the collector. Observable instruments are only read when
/// <see cref="RecordObservableInstruments"/> is called. All members are thread-safe.
/// </remarks>
public sealed class MetricCollector<T> : IDisposable
    where T : struct
{
    private readonly Lock _lock = new();
    private readonly List<CollectedMeasurement<T>> _measurements_NeedsLock = [];
    private readonly Meter _meter;
    private readonly string _instrumentName;
    private readonly MeterListener _listener;
    private Instrument? _instrument_NeedsLock;

    /// <summary>Starts recording <paramref name="instrumentName"/> on <paramref name="meter"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a type that instruments can measure.</exception>
    public MetricCollector(Meter meter, string instrumentName)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentException.ThrowIfNullOrEmpty(instrumentName);
        if (!IsSupportedType)
        {
            throw new NotSupportedException($"Instruments cannot measure values of type {typeof(T)}.");
        }

        _meter = meter;
        _instrumentName = instrumentName;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
        };
        _listener.SetMeasurementEventCallback<T>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Gets the instrument once it has been published, or <see langword="null"/> before that.</summary>
    public Instrument? Instrument
    {
        get
        {
            lock (_lock)
            {
                return _instrument_NeedsLock;
            }
        }
    }

    /// <summary>Gets a snapshot of the measurements recorded so far, in recording order.</summary>
    public IReadOnlyList<CollectedMeasurement<T>> Measurements
    {
        get
        {
            lock (_lock)
            {
                return [.. _measurements_NeedsLock];
            }
        }
    }

    /// <summary>Gets the most recent measurement, or <see langword="null"/> if none was recorded.</summary>
    public CollectedMeasurement<T>? LastMeasurement
    {
        get
        {
            lock (_lock)
            {
                return _measurements_NeedsLock.Count == 0 ? null : _measurements_NeedsLock[^1];
            }
        }
    }

    private static bool IsSupportedType =>
        typeof(T) == typeof(byte) || typeof(T) == typeof(short) || typeof(T) == typeof(int) || typeof(T) == typeof(long)
        || typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(decimal);

    /// <summary>Returns the sum of all recorded values (the counter's total since the collector started).</summary>
    public T Sum() => Sum(static _ => true);

    /// <summary>Returns the sum of the recorded values that match <paramref name="predicate"/>.</summary>
    /// <example><c>collector.Sum(m => m.HasTag("rcode", "NXDOMAIN"))</c></example>
    public T Sum(Func<CollectedMeasurement<T>, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);

        T total = default;
        foreach (var measurement in Measurements)
        {
            if (predicate(measurement))
            {
                total = Add(total, measurement.Value);
            }
        }

        return total;
    }

    /// <summary>Invokes the callbacks of the observable instrument (if published) and records what they return.</summary>
    public void RecordObservableInstruments() => _listener.RecordObservableInstruments();

    /// <summary>Removes every recorded measurement.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _measurements_NeedsLock.Clear();
        }
    }

    /// <summary>Stops listening; measurements recorded so far stay readable.</summary>
    public void Dispose() => _listener.Dispose();

    // Branches on typeof(T) are constant for each instantiation, so the JIT keeps only one of them.
    private static T Add(T left, T right)
    {
        if (typeof(T) == typeof(long))
        {
            return (T)(object)((long)(object)left + (long)(object)right);
        }

        if (typeof(T) == typeof(int))
        {
            return (T)(object)((int)(object)left + (int)(object)right);
        }

        if (typeof(T) == typeof(double))
        {
            return (T)(object)((double)(object)left + (double)(object)right);
        }

        if (typeof(T) == typeof(float))
        {
            return (T)(object)((float)(object)left + (float)(object)right);
        }

        if (typeof(T) == typeof(decimal))
        {
            return (T)(object)((decimal)(object)left + (decimal)(object)right);
        }

        if (typeof(T) == typeof(short))
        {
            return (T)(object)(short)((short)(object)left + (short)(object)right);
        }

        if (typeof(T) == typeof(byte))
        {
            return (T)(object)(byte)((byte)(object)left + (byte)(object)right);
        }

        throw new NotSupportedException($"Instruments cannot measure values of type {typeof(T)}.");
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!ReferenceEquals(instrument.Meter, _meter)
            || !string.Equals(instrument.Name, _instrumentName, StringComparison.Ordinal)
            || !MeasuresT(instrument))
        {
            return;
        }

        lock (_lock)
        {
            _instrument_NeedsLock = instrument;
        }

        listener.EnableMeasurementEvents(instrument);
    }

    private static bool MeasuresT(Instrument instrument) =>
        instrument is Instrument<T> or ObservableInstrument<T>;

    private void OnMeasurement(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var copy = new Dictionary<string, object?>(tags.Length, StringComparer.Ordinal);
        foreach (var (name, value) in tags)
        {
            copy[name] = value;
        }

        lock (_lock)
        {
            _measurements_NeedsLock.Add(new CollectedMeasurement<T>(measurement, copy));
        }
    }
}

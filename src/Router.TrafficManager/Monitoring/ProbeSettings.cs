using System.Globalization;
using Router.Http;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>A <see cref="MonitorOptions"/> parsed once, for <see cref="EndpointProber"/>.</summary>
internal sealed class ProbeSettings
{
    /// <summary>The longest probe timeout honoured (a timer cannot be set much further out).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>What a monitor accepts when <c>ExpectedStatusCodes</c> is empty: 200 only, as Traffic Manager.</summary>
    public static readonly StatusCodeRange DefaultStatusCodeRange = new(200, 200);

    private ProbeSettings(TimeSpan timeout, ProbeAttemptSettings deep, ProbeAttemptSettings? fallback, string? error)
    {
        Timeout = timeout;
        Deep = deep;
        Fallback = fallback;
        Error = error;
    }

    public TimeSpan Timeout { get; }

    public ProbeAttemptSettings Deep { get; }

    public ProbeAttemptSettings? Fallback { get; }

    /// <summary>Why these settings cannot be probed with (validation lets none of these through).</summary>
    public string? Error { get; }

    public static ProbeSettings Create(MonitorOptions monitor)
    {
        string? error = null;
        double seconds = monitor.TimeoutSeconds;
        var timeout = double.IsFinite(seconds) && seconds > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, MaxTimeout.TotalSeconds)) : TimeSpan.Zero;
        if (timeout <= TimeSpan.Zero)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"invalid monitor timeout {seconds} s");
        }

        if (!StatusCodeRange.TryParseList(monitor.ExpectedStatusCodes, DefaultStatusCodeRange, out var ranges, out string? rangeError))
        {
            error ??= $"invalid ExpectedStatusCodes: {rangeError}";
        }

        KeyValuePair<string, string>[] headers = [.. monitor.Headers];
        var deep = new ProbeAttemptSettings(monitor.Protocol, monitor.Port, monitor.Path ?? "/", ranges, headers);
        ProbeAttemptSettings? fallback = null;
        if (monitor.Fallback is { } f)
        {
            var fallbackRanges = ranges;
            if (f.ExpectedStatusCodes.Count > 0
                && !StatusCodeRange.TryParseList(f.ExpectedStatusCodes, DefaultStatusCodeRange, out fallbackRanges, out rangeError))
            {
                error ??= $"invalid Fallback ExpectedStatusCodes: {rangeError}";
            }

            fallback = new ProbeAttemptSettings(
                f.Protocol ?? monitor.Protocol,
                f.Port ?? monitor.Port,
                f.Path ?? deep.Path,
                fallbackRanges,
                f.Headers.Count > 0 ? [.. f.Headers] : headers);
        }

        return new ProbeSettings(timeout, deep, fallback, error);
    }
}

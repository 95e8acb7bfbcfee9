using System.Diagnostics.Metrics;

namespace Router.TrafficManager.Diagnostics;

/// <summary>The instruments of batch monitoring, on the assembly's meter (<see cref="TrafficManagerMetrics.MeterName"/>).</summary>
internal sealed class BatchMetrics
{
    /// <summary>Requests for batch documents, by outcome (<see cref="Document"/>, <see cref="NotModified"/>, <see cref="Failure"/>) and kind (<see cref="Full"/>, <see cref="LongPoll"/>).</summary>
    public const string Polls = "router.tm.batch.polls";

    public const string OutcomeTag = "outcome";
    public const string KindTag = "kind";

    public const string Document = "document";
    public const string NotModified = "not_modified";
    public const string Failure = "failure";
    public const string Full = "full";
    public const string LongPoll = "long_poll";

    private readonly Counter<long> _polls;

    public BatchMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(TrafficManagerMetrics.MeterName);
        _polls = Meter.CreateCounter<long>(Polls, "{request}", "Requests for batch documents (one poller per monitor origin), by outcome and kind.");
    }

    public Meter Meter { get; }

    public void PollCompleted(string outcome, bool longPoll) =>
        _polls.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome), new KeyValuePair<string, object?>(KindTag, longPoll ? LongPoll : Full));
}

using System.Diagnostics.Metrics;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// The routing instruments on the <c>Router.TrafficManager</c> meter. Tags are bounded (profile and endpoint names
/// from configuration) and built once per endpoint, so recording an answer does not allocate.
/// </summary>
internal sealed class RoutingMetrics
{
    /// <summary>The meter name (the assembly name).</summary>
    public const string MeterName = "Router.TrafficManager";

    /// <summary>Answers given, by profile and endpoint (a MultiValue answer counts each endpoint in it).</summary>
    public const string AnswersInstrument = "router.tm.dns.answers";

    public const string ProfileTag = "profile";

    public const string EndpointTag = "endpoint";

    private readonly Counter<long> _answers;

    public RoutingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(new MeterOptions(MeterName));
        _answers = meter.CreateCounter<long>(AnswersInstrument, unit: "{answer}",
            description: "DNS answers for traffic manager profiles, by the endpoint answered.");
    }

    /// <summary>Counts one answer carrying <paramref name="endpoint"/>.</summary>
    public void Answered(EndpointRouting endpoint) => _answers.Add(1, endpoint.AnswerTags.AsSpan());
}

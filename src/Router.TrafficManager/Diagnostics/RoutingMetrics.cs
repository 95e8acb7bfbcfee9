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

    /// <summary>Geographic decisions, by <see cref="MatchTag"/>: which mapping chose, or why NODATA.</summary>
    public const string GeoDecisionsInstrument = "router.tm.geo.decisions";

    /// <summary><c>country</c>, <c>continent</c>, <c>world</c>, <c>unmapped</c> (NODATA) or <c>not_eligible</c> (NODATA).</summary>
    public const string MatchTag = "match";

    private static readonly KeyValuePair<string, object?>[][] MatchTags =
        [.. new[] { "unmapped", "world", "continent", "country", "not_eligible" }.Select(v => new[] { new KeyValuePair<string, object?>(MatchTag, v) })];

    private readonly Counter<long> _answers;
    private readonly Counter<long> _geoDecisions;

    public RoutingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(new MeterOptions(MeterName));
        _answers = meter.CreateCounter<long>(AnswersInstrument, unit: "{answer}",
            description: "DNS answers for traffic manager profiles, by the endpoint answered.");
        _geoDecisions = meter.CreateCounter<long>(GeoDecisionsInstrument, unit: "{decision}",
            description: "Geographic routing decisions, by the mapping that matched the client (or why the answer is NODATA).");
    }

    /// <summary>Counts one Geographic decision.</summary>
    public void GeoRouted(in RoutingDecision decision)
    {
        int match = decision.Rule == RoutingRule.GeographicMappedNotEligible ? MatchTags.Length - 1 : (int)decision.GeoLevel;
        _geoDecisions.Add(1, MatchTags[match].AsSpan());
    }

    /// <summary>Counts one answer carrying <paramref name="endpoint"/>.</summary>
    public void Answered(EndpointRouting endpoint) => _answers.Add(1, endpoint.AnswerTags.AsSpan());
}

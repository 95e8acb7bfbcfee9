using System.Diagnostics;
using System.Net;

namespace Router.Dns.Server.Diagnostics;

/// <summary>
/// The spans of the DNS server: one per forwarded query (<see cref="DnsTelemetryNames.ForwardActivity"/>), with the
/// question, the upstream that answered, the attempts and the response code. The answer path (authoritative answers,
/// cache hits) never starts one. <see cref="StartForward"/> returns null while nobody listens.
/// </summary>
internal static class DnsActivitySource
{
    private static readonly ActivitySource Source = new(DnsTelemetryNames.ActivitySourceName);

    /// <summary>Starts the span of forwarding <paramref name="question"/>; null when it is not recorded.</summary>
    public static Activity? StartForward(DnsQuestion question)
    {
        var activity = Source.StartActivity(DnsTelemetryNames.ForwardActivity, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DnsTelemetryNames.QuestionNameAttribute, question.Name.ToString());
            activity.SetTag(DnsTelemetryNames.QuestionTypeAttribute, question.Type.ToString());
        }

        return activity;
    }

    /// <summary>Records the upstream that gave the answer and the attempts it took.</summary>
    public static void Answered(Activity? activity, IPEndPoint upstream, int attempts)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DnsTelemetryNames.ServerAddressAttribute, upstream.Address.ToString());
            activity.SetTag(DnsTelemetryNames.ServerPortAttribute, upstream.Port);
            activity.SetTag(DnsTelemetryNames.AttemptsAttribute, attempts);
        }
    }

    /// <summary>Adds an event for an upstream that failed (the next one is tried).</summary>
    public static void UpstreamFailed(Activity? activity, IPEndPoint upstream, string reason)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(DnsTelemetryNames.UpstreamFailedEvent, tags: new ActivityTagsCollection
            {
                [DnsTelemetryNames.ServerAddressAttribute] = upstream.Address.ToString(),
                [DnsTelemetryNames.ServerPortAttribute] = upstream.Port,
                [DnsTelemetryNames.FailureReasonAttribute] = reason,
            }));
        }
    }

    /// <summary>
    /// Tags the span with the upstream's response code; no answer from any upstream (SERVFAIL to the client) is an error span.
    /// </summary>
    public static void Complete(Activity? activity, DnsMessage? response)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(DnsTelemetryNames.ResponseCodeAttribute, (response?.ResponseCode ?? DnsResponseCode.ServerFailure).ToString());
        if (response is null)
        {
            activity.SetStatus(ActivityStatusCode.Error, "no upstream answered; SERVFAIL");
        }
    }
}

using System.Net;
using Router.Dns;
using Router.Dns.Server.Pipeline;

namespace Router.TrafficManager.Dns;

/// <summary>
/// The traffic manager as the admin API sees it when a DNS server answers beside it: as <paramref name="inner"/>, but
/// <see cref="Explain"/> also explains a name that leads to a profile through CNAMEs of the server's other zones (at
/// most <see cref="DnsPipeline.MaxChainLength"/> links, as an answer follows): the profile's explanation with those
/// CNAMEs in front of its answer and rule. The host composes the two; neither the traffic manager's zone nor the
/// static zones know of each other.
/// </summary>
/// <param name="inner">The traffic manager.</param>
/// <param name="pipeline">The DNS server's current pipeline (it changes on reload).</param>
internal sealed class ZoneChainExplainControl(ITrafficManagerControl inner, Func<DnsPipeline> pipeline) : ITrafficManagerControl
{
    private readonly ITrafficManagerControl _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly Func<DnsPipeline> _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));

    public IReadOnlyList<ProfileReport> GetProfiles() => _inner.GetProfiles();

    public ProfileReport? GetProfile(string name) => _inner.GetProfile(name);

    public Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken) =>
        _inner.SetEndpointEnabledAsync(profile, endpoint, enabled, cancellationToken);

    public Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken) =>
        _inner.SetEndpointAsync(profile, endpoint, change, cancellationToken);

    public Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken) =>
        _inner.ReleaseEndpointAsync(profile, endpoint, cancellationToken);

    public Cluster.ClusterReport? GetCluster() => _inner.GetCluster();

    public ExplainReport? Explain(string name, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        if (_inner.Explain(name, client) is { } report)
        {
            return report;
        }

        string text = name.Trim();
        if (text.Length == 0 || !DnsName.TryParse(text.EndsWith('.') ? text : text + ".", DnsName.Root, out var current, out _))
        {
            return null;
        }

        var pipeline = _pipeline();
        var links = new List<(DnsName Owner, DnsName Target)>();
        for (int i = 0; i < DnsPipeline.MaxChainLength - 1; i++)
        {
            var target = pipeline.FindCname(current.ToLowerInvariant().Wire);
            if (target is null)
            {
                return null;
            }

            links.Add((current, target));
            if (_inner.Explain(target.ToString(), client) is { } profile)
            {
                string chain = string.Join(", ", links.Select(l => $"{l.Owner} is a CNAME to {l.Target}"));
                return profile with
                {
                    Name = name,
                    Rule = $"{chain} (static zone); {profile.Rule}",
                    Answer = [.. links.Select(l => $"CNAME {l.Target}"), .. profile.Answer],
                };
            }

            current = target;
        }

        return null;
    }
}

using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Routing;

/// <summary>One endpoint as routing and the DNS answer need it; immutable, with its answer's RDATA pre-encoded.</summary>
internal sealed class EndpointRouting
{
    public EndpointRouting(EndpointOptions options, int index, LatencyTable table, string profile)
    {
        Name = options.Name ?? $"endpoint{index}";
        Target = options.Target?.Trim() ?? string.Empty;
        Location = options.Location;
        LocationIndex = table.LocationIndex(options.Location);
        Priority = options.Priority ?? index + 1;
        Weight = Math.Max(1, options.Weight);
        HasSubnets = options.Subnets.Count > 0;
        GeoMapping = [.. options.GeoMapping.Select(text => GeoCodes.TryParse(text, out var code, out _) ? code.ToString() : text)];
        MinChildEndpoints = options.MinChildEndpoints;
        MinChildEndpointsIPv4 = options.MinChildEndpointsIPv4;
        MinChildEndpointsIPv6 = options.MinChildEndpointsIPv6;
        if (options.Type == EndpointType.Nested)
        {
            Kind = EndpointTargetKind.Nested;
            ChildProfile = options.Profile?.Trim().TrimEnd('.');
            Target = ChildProfile ?? string.Empty;
            Rdata = [];
            TargetWire = [];
        }
        else if (NetworkAddress.TryParse(Target, out var address))
        {
            Kind = address.IsIPv4 ? EndpointTargetKind.IPv4 : EndpointTargetKind.IPv6;
            RecordType = address.IsIPv4 ? DnsRecordType.A : DnsRecordType.AAAA;
            Span<byte> bytes = stackalloc byte[16];
            Rdata = bytes[..address.WriteBytes(bytes)].ToArray();
            TargetWire = [];
        }
        else
        {
            Kind = EndpointTargetKind.Name;
            RecordType = DnsRecordType.CNAME;
            var target = DnsName.Parse(Target.EndsWith('.') ? Target : Target + ".").ToLowerInvariant();
            TargetWire = target.Wire.ToArray();
            Rdata = TargetWire;
        }

        AnswerTags =
        [
            new(RoutingMetrics.ProfileTag, profile),
            new(RoutingMetrics.EndpointTag, Name),
        ];
    }

    public string Name { get; }

    public string Target { get; }

    public string? Location { get; }

    /// <summary>The location's index in latency rows, or -1 when the table does not name it.</summary>
    public int LocationIndex { get; }

    /// <summary>The effective priority: the configured one, else the 1-based position.</summary>
    public int Priority { get; }

    public int Weight { get; }

    public bool HasSubnets { get; }

    /// <summary>Geographic: the codes mapped to this endpoint, normalized (<c>DE</c>, <c>EU</c>, <c>WORLD</c>).</summary>
    public string[] GeoMapping { get; }

    public EndpointTargetKind Kind { get; }

    /// <summary>Nested: the child profile's name; null otherwise.</summary>
    public string? ChildProfile { get; }

    /// <summary>
    /// Nested: the child's position in the snapshot's profiles, set once by <see cref="NestingGraph.Build"/> before the
    /// snapshot is published (the endpoints of one build are shared by every snapshot made from it); -1 otherwise.
    /// </summary>
    public int ChildIndex { get; internal set; } = -1;

    /// <summary>Nested: the child's healthy endpoints needed for Online (<c>MinChildEndpoints</c>).</summary>
    public int MinChildEndpoints { get; }

    /// <summary>Nested: as <see cref="MinChildEndpoints"/>, among the child's endpoints that answer A queries.</summary>
    public int MinChildEndpointsIPv4 { get; }

    /// <summary>Nested: as <see cref="MinChildEndpoints"/>, among the child's endpoints that answer AAAA queries.</summary>
    public int MinChildEndpointsIPv6 { get; }

    /// <summary>A, AAAA or CNAME (unused for Nested).</summary>
    public DnsRecordType RecordType { get; }

    /// <summary>The answer's RDATA: 4 or 16 address octets, or the target name in lowercased wire form.</summary>
    public byte[] Rdata { get; }

    /// <summary>For a name target, the name in lowercased wire form; empty otherwise.</summary>
    public byte[] TargetWire { get; }

    /// <summary>The tags of <c>router.tm.dns.answers</c> for this endpoint, built once.</summary>
    public KeyValuePair<string, object?>[] AnswerTags { get; }
}

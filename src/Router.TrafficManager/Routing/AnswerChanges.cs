using System.Net;
using Router.Dns;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Routing;

/// <summary>How the answer of one profile changed for one group of clients.</summary>
/// <param name="Clients">Who sees the change: a latency-table or subnet network, or <c>other clients</c>.</param>
/// <param name="Type">The query type (<c>A</c> or <c>AAAA</c>).</param>
/// <param name="Before">The answer before (<c>A 127.0.0.11</c>; <c>NODATA</c>; for Weighted, the eligible set).</param>
/// <param name="After">The answer after.</param>
internal readonly record struct AnswerChange(string Clients, string Type, string Before, string After);

/// <summary>
/// Compares what a profile answers before and after a routing change, for one representative address of every client
/// network the profile's rules distinguish (the latency table's rows, the Subnet ranges, the Geographic mappings' countries
/// and continents, and everyone else), so the
/// log can say "contoso: 127.0.0.0/8 now gets westeurope instead of eastus". Runs on status changes, off the answer path.
/// </summary>
internal static class AnswerChanges
{
    /// <summary>Networks compared at most per profile; a bigger table is summarised by the count of the rest.</summary>
    public const int MaxNetworks = 64;

    public static List<AnswerChange> Compare(RoutingSnapshot before, RoutingSnapshot after, TrafficManagerOptions options, ProfileOptions profile,
        out int networksNotCompared)
    {
        string name = $"{profile.Name}.{options.Zone!.TrimEnd('.')}";
        var clients = Clients(options, profile, after.FindProfile(profile.Name!)?.GeoTable, out networksNotCompared);
        var changes = new List<AnswerChange>();
        foreach (var (label, address) in clients)
        {
            foreach (var type in (ReadOnlySpan<DnsRecordType>)[DnsRecordType.A, DnsRecordType.AAAA])
            {
                string was = Describe(before.Explain(name, address, type), profile.RoutingMethod);
                string now = Describe(after.Explain(name, address, type), profile.RoutingMethod);
                if (was != now)
                {
                    changes.Add(new AnswerChange(label, type.ToString(), was, now));
                }
            }
        }

        return changes;
    }

    private static List<(string Label, IPAddress Address)> Clients(TrafficManagerOptions options, ProfileOptions profile, GeoTable? geo,
        out int notCompared)
    {
        var clients = new List<(string, IPAddress)>();
        if (profile.RoutingMethod == RoutingMethod.Geographic && geo is not null)
        {
            clients.AddRange(GeoClients(profile, geo));
        }

        var networks = new List<string>();
        if (profile.RoutingMethod == RoutingMethod.Performance)
        {
            networks.AddRange(options.LatencyTable.Select(row => row.Network!));
        }
        else if (profile.RoutingMethod == RoutingMethod.Subnet)
        {
            networks.AddRange(profile.Endpoints.SelectMany(e => e.Subnets));
        }

        notCompared = Math.Max(0, networks.Count - MaxNetworks);
        foreach (string network in networks.Take(MaxNetworks))
        {
            if (TryFirstAddress(network, out var address))
            {
                clients.Add((network, address));
            }
        }

        // Everyone no row or range matches (and the only group for Priority, Weighted and MultiValue).
        clients.Add(("other clients", IPAddress.Parse("192.0.2.1")));
        return clients;
    }

    /// <summary>
    /// One address the database places in each mapped country, and one in each mapped continent outside the mapped
    /// countries (so that "EU" shows what the rest of Europe gets); codes the database has no address for are left out.
    /// </summary>
    private static IEnumerable<(string Label, IPAddress Address)> GeoClients(ProfileOptions profile, GeoTable geo)
    {
        var codes = profile.Endpoints.SelectMany(e => e.GeoMapping)
            .Select(text => GeoCodes.TryParse(text, out var code, out _) ? code : default)
            .Where(code => code.Level is GeoLevel.Country or GeoLevel.Continent)
            .Distinct()
            .Take(MaxNetworks)
            .ToList();
        var countries = codes.Where(c => c.Level == GeoLevel.Country).Select(c => c.Value).ToHashSet();
        foreach (var code in codes)
        {
            var address = code.Level == GeoLevel.Country
                ? geo.FindAddress((country, _) => country == code.Value)
                : geo.FindAddress((country, continent) => continent == code.Value && !countries.Contains(country));
            if (address is not null)
            {
                yield return (code.ToString(), address);
            }
        }
    }

    private static bool TryFirstAddress(string network, out IPAddress address)
    {
        string first = network.Split('/', '-')[0].Trim();
        return IPAddress.TryParse(first, out address!);
    }

    private static string Describe(ExplainReport? report, RoutingMethod method)
    {
        if (report is null)
        {
            return "NXDOMAIN";
        }

        if (method == RoutingMethod.Weighted)
        {
            // One random draw says nothing; the set it is drawn from does.
            var eligible = report.Candidates.Where(c => c.Eligible).Select(c => c.Endpoint).ToList();
            return eligible.Count == 0 ? "NODATA" : $"random among {string.Join(", ", eligible)}";
        }

        var chosen = report.Candidates.Where(c => c.Chosen).Select(c => c.Endpoint).ToList();
        return report.Answer.Count == 0 ? "NODATA" : $"{string.Join(", ", chosen)} ({string.Join(", ", report.Answer)})";
    }
}

using System.Globalization;
using System.Net;
using Router.Dns.Server.Configuration;

namespace Router.Dns.Server.Zones;

/// <summary>
/// Turns the <c>Dns:Zones</c> options into immutable zones, collecting every error with its key path. SOA and NS are
/// made up at each apex when the configuration does not give them.
/// </summary>
internal static class ZoneBuilder
{
    private const int MaxTtl = int.MaxValue;

    public static ZoneSet Build(IReadOnlyList<DnsZoneOptions> zones, IReadOnlyList<IPEndPoint> listen, string path, List<string> errors)
    {
        var built = new List<StaticZone>();
        var apexes = new HashSet<DnsName>();
        for (int z = 0; z < zones.Count; z++)
        {
            string zonePath = $"{path}:{z}";

            // Duplicates are found by name first, so they are reported even when either zone has errors of its own.
            string? text = zones[z].Name;
            if (!string.IsNullOrWhiteSpace(text) &&
                DnsName.TryParse(text.EndsWith('.') ? text : text + ".", DnsName.Root, out var apex, out _) && !apexes.Add(apex))
            {
                errors.Add($"{zonePath}:Name: zone '{apex}' is configured twice");
                continue;
            }

            var zone = BuildZone(zones[z], listen, zonePath, errors);
            if (zone is not null)
            {
                built.Add(zone);
            }
        }

        return new ZoneSet(built);
    }

    private static StaticZone? BuildZone(DnsZoneOptions options, IReadOnlyList<IPEndPoint> listen, string path, List<string> errors)
    {
        int errorCount = errors.Count;
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            errors.Add($"{path}:Name: required");
            return null;
        }

        string apexText = options.Name.EndsWith('.') ? options.Name : options.Name + ".";
        if (!DnsName.TryParse(apexText, DnsName.Root, out var apex, out string? nameError))
        {
            errors.Add($"{path}:Name: {nameError}");
            return null;
        }

        if (options.Ttl is < 0 or > MaxTtl)
        {
            errors.Add($"{path}:Ttl: must be 0-{MaxTtl}");
        }

        uint zoneTtl = (uint)Math.Clamp(options.Ttl, 0, MaxTtl);
        var records = new Dictionary<(DnsName Owner, DnsRecordType Type), (uint Ttl, List<DnsRecordData> Data)>();
        var order = new List<(DnsName Owner, DnsRecordType Type)>();

        for (int r = 0; r < options.Records.Count; r++)
        {
            string recordPath = $"{path}:Records:{r}";
            var record = options.Records[r];
            if (record is null)
            {
                errors.Add($"{recordPath}: empty record");
                continue;
            }

            if (string.IsNullOrWhiteSpace(record.Name))
            {
                errors.Add($"{recordPath}:Name: required ('@' for the apex)");
                continue;
            }

            if (!DnsName.TryParse(record.Name.Trim(), apex, out var owner, out nameError))
            {
                errors.Add($"{recordPath}:Name: {nameError}");
                continue;
            }

            if (!owner.IsSubdomainOf(apex))
            {
                errors.Add($"{recordPath}:Name: '{owner}' is outside the zone '{apex}'");
                continue;
            }

            if (!TryParseType(record.Type, out var type, out string? typeError))
            {
                errors.Add($"{recordPath}:Type: {typeError}");
                continue;
            }

            if (record.Value is null)
            {
                errors.Add($"{recordPath}:Value: required");
                continue;
            }

            if (!DnsRecordData.TryParse(type, record.Value, apex, out var data, out string? dataError))
            {
                errors.Add($"{recordPath}:Value: {dataError}");
                continue;
            }

            if (record.Ttl is < 0 or > MaxTtl)
            {
                errors.Add($"{recordPath}:Ttl: must be 0-{MaxTtl}");
                continue;
            }

            uint ttl = record.Ttl is int own ? (uint)own : zoneTtl;
            var key = (owner, type);
            if (records.TryGetValue(key, out var existing))
            {
                // RFC 2181 §5.2: the records of one RRset share one TTL; the lowest wins.
                existing.Data.Add(data);
                records[key] = (Math.Min(existing.Ttl, ttl), existing.Data);
            }
            else
            {
                records[key] = (ttl, [data]);
                order.Add(key);
            }
        }

        // RFC 1034 §3.6.2 / RFC 2181 §10.1: a CNAME owner has no other data, and there is only one CNAME.
        foreach (var (owner, type) in order)
        {
            if (type == DnsRecordType.CNAME)
            {
                if (records[(owner, type)].Data.Count > 1)
                {
                    errors.Add($"{path}:Records: '{owner}' has more than one CNAME");
                }

                if (owner.Equals(apex))
                {
                    errors.Add($"{path}:Records: the apex '{owner}' cannot be a CNAME (it has SOA and NS)");
                }

                if (order.Any(k => k.Owner.Equals(owner) && k.Type != DnsRecordType.CNAME))
                {
                    errors.Add($"{path}:Records: '{owner}' has a CNAME and other records");
                }
            }
        }

        if (records.TryGetValue((apex, DnsRecordType.SOA), out var soaRecords) && soaRecords.Data.Count > 1)
        {
            errors.Add($"{path}:Records: the apex has more than one SOA");
        }

        foreach (var (owner, type) in order)
        {
            if (type == DnsRecordType.SOA && !owner.Equals(apex))
            {
                errors.Add($"{path}:Records: SOA at '{owner}' is not at the apex");
            }
        }

        if (errors.Count != errorCount)
        {
            return null;
        }

        // Made-up apex records (CONTRACT: SOA and NS exist at each apex).
        var nsName = DnsName.Parse("ns1." + apex);
        if (!records.ContainsKey((apex, DnsRecordType.NS)))
        {
            records[(apex, DnsRecordType.NS)] = (zoneTtl, [new NameRecordData(DnsRecordType.NS, nsName)]);
            order.Add((apex, DnsRecordType.NS));

            // Give the made-up name server an address when it is ours to give and nothing else is configured.
            if (!order.Any(k => k.Owner.Equals(nsName)))
            {
                foreach (var endpoint in listen)
                {
                    if (endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any))
                    {
                        continue;
                    }

                    var data = new AddressRecordData(endpoint.Address);
                    var key = (nsName, data.Type);
                    if (records.TryGetValue(key, out var glue))
                    {
                        glue.Data.Add(data);
                    }
                    else
                    {
                        records[key] = (zoneTtl, [data]);
                        order.Add(key);
                    }
                }
            }
        }

        if (!records.ContainsKey((apex, DnsRecordType.SOA)))
        {
            uint minimum = Math.Min(zoneTtl, 300u);
            var soa = new SoaRecordData(nsName, DnsName.Parse("hostmaster." + apex), Serial(options), 3600, 600, 86400 * 7, minimum);
            records[(apex, DnsRecordType.SOA)] = (zoneTtl, [soa]);
            order.Insert(0, (apex, DnsRecordType.SOA));
        }

        return Freeze(apex, records, order);
    }

    private static StaticZone Freeze(DnsName apex, Dictionary<(DnsName Owner, DnsRecordType Type), (uint Ttl, List<DnsRecordData> Data)> records,
        List<(DnsName Owner, DnsRecordType Type)> order)
    {
        var byOwner = new Dictionary<DnsName, List<ResourceRecordSet>>();
        var buffer = new byte[DnsLimits.MaxMessageLength];
        foreach (var key in order)
        {
            var (ttl, data) = records[key];
            var rdata = new byte[data.Count][];
            var names = new DnsName?[data.Count];
            var distinct = new List<byte[]>();
            for (int i = 0; i < data.Count; i++)
            {
                // Names in pre-encoded RDATA are written uncompressed: the octets are copied verbatim into answers.
                var writer = new DnsWireWriter(buffer, compression: false);
                if (!data[i].TryWrite(ref writer))
                {
                    throw new InvalidOperationException("Record data is larger than a DNS message.");
                }

                rdata[i] = writer.Written.ToArray();
                names[i] = (data[i] as NameRecordData)?.Target.ToLowerInvariant();
            }

            // RFC 2181 §5: an RRset holds no duplicate records.
            var unique = new List<int>();
            for (int i = 0; i < rdata.Length; i++)
            {
                if (!unique.Any(j => rdata[j].AsSpan().SequenceEqual(rdata[i])))
                {
                    unique.Add(i);
                }
            }

            var set = new ResourceRecordSet(key.Type, ttl, [.. unique.Select(i => rdata[i])], [.. unique.Select(i => names[i])]);
            if (!byOwner.TryGetValue(key.Owner, out var sets))
            {
                byOwner[key.Owner] = sets = [];
            }

            sets.Add(set);
        }

        var nodes = new Dictionary<byte[], ZoneNode>(WireNameComparer.Instance);
        foreach (var (owner, sets) in byOwner)
        {
            byte[] key = owner.ToLowerInvariant().Wire.ToArray();
            nodes[key] = new ZoneNode(key, [.. sets]);
        }

        // Empty non-terminals: every name between an owner and the apex exists, with no data (RFC 8020).
        foreach (var owner in byOwner.Keys)
        {
            for (var parent = owner.Parent(); !parent.Equals(apex) && parent.IsSubdomainOf(apex); parent = parent.Parent())
            {
                byte[] key = parent.ToLowerInvariant().Wire.ToArray();
                nodes.TryAdd(key, new ZoneNode(key, []));
            }
        }

        var apexNode = nodes[apex.ToLowerInvariant().Wire.ToArray()];
        var soaSet = apexNode.Find(DnsRecordType.SOA)!;
        uint soaMinimum = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(soaSet.Rdata[0].AsSpan(soaSet.Rdata[0].Length - 4));
        return new StaticZone(apex, nodes, soaSet, Math.Min(soaSet.Ttl, soaMinimum));
    }

    /// <summary>A serial that changes when the zone's content changes (RFC 1982 arithmetic is not needed: nothing transfers).</summary>
    private static uint Serial(DnsZoneOptions options)
    {
        var hash = new HashCode();
        hash.Add(options.Name, StringComparer.OrdinalIgnoreCase);
        hash.Add(options.Ttl);
        foreach (var record in options.Records)
        {
            hash.Add(record?.Name);
            hash.Add(record?.Type);
            hash.Add(record?.Value);
            hash.Add(record?.Ttl);
        }

        return (uint)hash.ToHashCode() & 0x7FFF_FFFF;
    }

    public static bool TryParseType(string? text, out DnsRecordType type, out string? error)
    {
        type = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "required (A, AAAA, CNAME, NS, SOA, TXT, PTR, MX, SRV or TYPEnnn)";
            return false;
        }

        string trimmed = text.Trim();
        if (trimmed.StartsWith("TYPE", StringComparison.OrdinalIgnoreCase) &&
            ushort.TryParse(trimmed.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out ushort number) && number != 0)
        {
            type = (DnsRecordType)number;
        }
        else if (!Enum.TryParse(trimmed, ignoreCase: true, out type) || !Enum.IsDefined(type) || char.IsAsciiDigit(trimmed[0]))
        {
            error = $"'{text}' is not a record type (A, AAAA, CNAME, NS, SOA, TXT, PTR, MX, SRV or TYPEnnn)";
            return false;
        }

        if (type is DnsRecordType.OPT or DnsRecordType.ANY or DnsRecordType.AXFR or DnsRecordType.IXFR)
        {
            error = $"'{text}' is a meta type and cannot be configured";
            return false;
        }

        return true;
    }
}

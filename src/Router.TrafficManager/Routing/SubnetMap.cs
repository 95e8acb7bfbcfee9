using Router.Dns;

namespace Router.TrafficManager.Routing;

/// <summary>
/// The <c>Subnets</c> of a Subnet profile's endpoints as sorted, disjoint ranges per family: a lookup is a binary
/// search and never allocates. Ranges of one endpoint that overlap or touch are merged; validation rejects ranges of
/// different endpoints that overlap (as Traffic Manager does), and should any reach here the earlier endpoint keeps
/// the shared addresses.
/// </summary>
internal sealed class SubnetMap
{
    private readonly Entry[] _v4;
    private readonly Entry[] _v6;

    private SubnetMap(Entry[] v4, Entry[] v6)
    {
        _v4 = v4;
        _v6 = v6;
    }

    public static SubnetMap Empty { get; } = new([], []);

    /// <summary>Builds the map from each endpoint's subnet texts (entries that do not parse are left out).</summary>
    public static SubnetMap Build(IReadOnlyList<IReadOnlyList<string>> subnetsByEndpoint)
    {
        ArgumentNullException.ThrowIfNull(subnetsByEndpoint);
        var all = new List<Entry>();
        for (int e = 0; e < subnetsByEndpoint.Count; e++)
        {
            foreach (string text in subnetsByEndpoint[e])
            {
                if (AddressRange.TryParse(text, out var range, out _))
                {
                    all.Add(new Entry(range, e, text.Trim()));
                }
            }
        }

        all.Sort((a, b) => a.Range.CompareTo(b.Range) is int c && c != 0 ? c : a.Endpoint.CompareTo(b.Endpoint));
        return new SubnetMap(Merge(all.Where(e => e.Range.IsIPv4)), Merge(all.Where(e => !e.Range.IsIPv4)));
    }

    private static Entry[] Merge(IEnumerable<Entry> sorted)
    {
        var merged = new List<Entry>();
        foreach (var entry in sorted)
        {
            var current = entry;
            if (merged.Count > 0)
            {
                var last = merged[^1];
                if (last.Range.Last == UInt128.MaxValue || current.Range.First <= last.Range.Last + 1)
                {
                    if (last.Endpoint == current.Endpoint)
                    {
                        if (current.Range.Last > last.Range.Last)
                        {
                            merged[^1] = last with { Range = last.Range with { Last = current.Range.Last } };
                        }

                        continue;
                    }

                    if (current.Range.Last <= last.Range.Last)
                    {
                        continue;
                    }

                    if (current.Range.First <= last.Range.Last)
                    {
                        current = current with { Range = current.Range with { First = last.Range.Last + 1 } };
                    }
                }
            }

            merged.Add(current);
        }

        return [.. merged];
    }

    /// <summary>
    /// The endpoint whose subnets contain <paramref name="address"/>, or -1. <paramref name="scope"/> is the prefix
    /// length the result holds for (RFC 7871 §7.2.1): the largest block around the address inside the matched range,
    /// or, without a match, inside the gap between ranges. <paramref name="matched"/> is the configured text of the
    /// matched entry (of the first one, for merged entries).
    /// </summary>
    public int Find(NetworkAddress address, out byte scope, out string? matched)
    {
        var entries = address.IsIPv4 ? _v4 : _v6;
        int width = address.IsIPv4 ? 32 : 128;
        UInt128 max = address.IsIPv4 ? uint.MaxValue : UInt128.MaxValue;
        var bits = AddressRange.FamilyBits(address);

        // The last entry starting at or before the address.
        int low = 0;
        int high = entries.Length - 1;
        int found = -1;
        while (low <= high)
        {
            int middle = low + ((high - low) >> 1);
            if (entries[middle].Range.First <= bits)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (found >= 0 && entries[found].Range.Last >= bits)
        {
            var range = entries[found].Range;
            scope = AddressRange.ScopeWithin(bits, range.First, range.Last, width);
            matched = entries[found].Text;
            return entries[found].Endpoint;
        }

        UInt128 gapLow = found >= 0 ? entries[found].Range.Last + 1 : UInt128.Zero;
        UInt128 gapHigh = found + 1 < entries.Length ? entries[found + 1].Range.First - 1 : max;
        scope = AddressRange.ScopeWithin(bits, gapLow, gapHigh, width);
        matched = null;
        return -1;
    }

    private readonly record struct Entry(AddressRange Range, int Endpoint, string Text);
}

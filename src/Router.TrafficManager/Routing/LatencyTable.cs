using Router.Dns;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Routing;

/// <summary>One row of the latency table: a client network and its latency to each location.</summary>
internal sealed class LatencyRow(NetworkPrefix network, string networkText, double[] latencies)
{
    public NetworkPrefix Network { get; } = network;

    /// <summary>The network as configured (<c>127.0.0.0/8</c>).</summary>
    public string NetworkText { get; } = networkText;

    /// <summary>Milliseconds by location index (<see cref="LatencyTable.LocationIndex"/>); NaN where the row has none.</summary>
    public double[] Latencies { get; } = latencies;

    /// <summary>The latency to location <paramref name="location"/>, or NaN when unknown.</summary>
    public double LatencyTo(int location) => location >= 0 && location < Latencies.Length ? Latencies[location] : double.NaN;
}

/// <summary>
/// The latency table, matched by longest prefix: one binary trie per family over the address bits, so a lookup is at
/// most 32 (IPv4) or 128 (IPv6) steps through flat arrays and never allocates, however many rows there are.
/// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4 (<see cref="NetworkAddress"/> holds them that way).
/// </summary>
internal sealed class LatencyTable
{
    private readonly Trie _v4;
    private readonly Trie _v6;
    private readonly Dictionary<string, int> _locations;
    private readonly LatencyRow[] _rows;

    private LatencyTable(LatencyRow[] rows, Dictionary<string, int> locations)
    {
        _rows = rows;
        _locations = locations;
        _v4 = new Trie(32);
        _v6 = new Trie(128);
        for (int i = 0; i < rows.Length; i++)
        {
            var prefix = rows[i].Network;
            var trie = prefix.Address.IsIPv4 ? _v4 : _v6;
            trie.Insert(AddressRange.FamilyBits(prefix.Address), prefix.Length, i);
        }

        _v4.Freeze();
        _v6.Freeze();
    }

    public static LatencyTable Empty { get; } = new([], new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase));

    /// <summary>The rows in configuration order (rows whose network does not parse are left out).</summary>
    public IReadOnlyList<LatencyRow> Rows => _rows;

    /// <summary>How many distinct locations the table names.</summary>
    public int LocationCount => _locations.Count;

    /// <summary>Builds the table from validated options; a duplicate network keeps its first row.</summary>
    public static LatencyTable Build(IReadOnlyList<LatencyEntryOptions> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var locations = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries)
        {
            foreach (string location in entry?.Latencies.Keys ?? Enumerable.Empty<string>())
            {
                locations.TryAdd(location, locations.Count);
            }
        }

        var rows = new List<LatencyRow>();
        var seen = new HashSet<NetworkPrefix>();
        foreach (var entry in entries)
        {
            if (entry is null || !NetworkPrefix.TryParse(entry.Network?.Trim(), out var prefix, out _) || !seen.Add(prefix))
            {
                continue;
            }

            var latencies = new double[locations.Count];
            Array.Fill(latencies, double.NaN);
            foreach (var (location, latency) in entry.Latencies)
            {
                latencies[locations[location]] = latency;
            }

            rows.Add(new LatencyRow(prefix, entry.Network!.Trim(), latencies));
        }

        return new LatencyTable([.. rows], locations);
    }

    /// <summary>The index of <paramref name="location"/> in every row's latencies, or -1 when no row names it.</summary>
    public int LocationIndex(string? location) =>
        location is not null && _locations.TryGetValue(location, out int index) ? index : -1;

    /// <summary>
    /// The row with the longest prefix containing <paramref name="address"/>, or null. <paramref name="scope"/> is the
    /// prefix length the result depends on (RFC 7871 §7.2.1): every address sharing that many leading bits with
    /// <paramref name="address"/> gets the same row. It is at least the matched row's length, longer when a more
    /// specific row lies inside the matched network, and 0 for an empty table.
    /// </summary>
    public LatencyRow? Lookup(NetworkAddress address, out byte scope)
    {
        var trie = address.IsIPv4 ? _v4 : _v6;
        int row = trie.Find(AddressRange.FamilyBits(address), out scope);
        return row < 0 ? null : _rows[row];
    }

    /// <summary>A binary trie in flat arrays: node 0 is the root; children are indices, 0 meaning none.</summary>
    private sealed class Trie
    {
        private readonly int _width;
        private readonly List<int> _zero = [0];
        private readonly List<int> _one = [0];
        private readonly List<int> _row = [-1];
        private int[] _zeroArray = [0];
        private int[] _oneArray = [0];
        private int[] _rowArray = [-1];

        public Trie(int width) => _width = width;

        public void Insert(UInt128 bits, int length, int row)
        {
            int node = 0;
            for (int depth = 0; depth < length; depth++)
            {
                var children = Bit(bits, depth) ? _one : _zero;
                if (children[node] == 0)
                {
                    _zero.Add(0);
                    _one.Add(0);
                    _row.Add(-1);
                    children[node] = _row.Count - 1;
                }

                node = children[node];
            }

            if (_row[node] < 0)
            {
                _row[node] = row;
            }

        }

        /// <summary>Copies the built trie into the arrays lookups read.</summary>
        public void Freeze()
        {
            _zeroArray = [.. _zero];
            _oneArray = [.. _one];
            _rowArray = [.. _row];
        }

        public int Find(UInt128 bits, out byte scope)
        {
            int[] zero = _zeroArray;
            int[] one = _oneArray;
            int[] rows = _rowArray;
            int node = 0;
            int best = rows[0];
            int depth = 0;
            while (true)
            {
                if (depth == _width)
                {
                    scope = (byte)depth;
                    return best;
                }

                int next = Bit(bits, depth) ? one[node] : zero[node];
                if (next == 0)
                {
                    // No row lies under this address's block of depth + 1 bits; when the node has no children at all,
                    // none lies under its block of depth bits either.
                    bool leaf = zero[node] == 0 && one[node] == 0;
                    scope = (byte)(leaf ? depth : depth + 1);
                    return best;
                }

                node = next;
                depth++;
                if (rows[node] >= 0)
                {
                    best = rows[node];
                }
            }
        }

        private bool Bit(UInt128 bits, int depth) => ((bits >> (_width - 1 - depth)) & UInt128.One) != UInt128.Zero;
    }
}

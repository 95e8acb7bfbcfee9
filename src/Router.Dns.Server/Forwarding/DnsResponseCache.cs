using System.Collections.Concurrent;

namespace Router.Dns.Server.Forwarding;

/// <summary>An answer kept by the forwarding cache; immutable.</summary>
internal sealed class CachedAnswer(DnsResponseCode responseCode, DnsRecord[] answers, DnsRecord[] authorities, DnsRecord[] additionals, uint ttl, long storedAt)
{
    public DnsResponseCode ResponseCode { get; } = responseCode;

    public DnsRecord[] Answers { get; } = answers;

    public DnsRecord[] Authorities { get; } = authorities;

    public DnsRecord[] Additionals { get; } = additionals;

    /// <summary>Seconds the answer may be served for from <see cref="StoredAt"/>.</summary>
    public uint Ttl { get; } = ttl;

    /// <summary>A <see cref="TimeProvider"/> timestamp.</summary>
    public long StoredAt { get; } = storedAt;

    /// <summary>Builds an answer from an upstream response, or null when RFC 1035 §7.4 / RFC 2308 say not to cache it.</summary>
    public static CachedAnswer? FromResponse(DnsMessage response, long now, uint maxTtl, uint maxNegativeTtl, bool cacheable)
    {
        var answers = response.Answers.ToArray();
        var authorities = response.Authorities.ToArray();
        var additionals = response.Additionals.ToArray();
        uint ttl;
        if (!cacheable || response.IsTruncated)
        {
            ttl = 0;
        }
        else if (response.ResponseCode == DnsResponseCode.NoError && answers.Length > 0)
        {
            ttl = maxTtl;
            foreach (var record in answers)
            {
                ttl = Math.Min(ttl, record.Ttl);
            }
        }
        else if (response.ResponseCode is DnsResponseCode.NoError or DnsResponseCode.NameError)
        {
            // RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM); without an SOA, not at all.
            var soa = authorities.FirstOrDefault(r => r.Data is SoaRecordData);
            ttl = soa is null ? 0 : Math.Min(Math.Min(soa.Ttl, ((SoaRecordData)soa.Data).Minimum), maxNegativeTtl);
        }
        else
        {
            ttl = 0;
        }

        return new CachedAnswer(response.ResponseCode, answers, authorities, additionals, Math.Min(ttl, DnsLimits.MaxTtl), now);
    }
}

/// <summary>
/// The forwarding cache: bounded, TTL-honouring, with negative caching (RFC 2308). Keyed by question name
/// (lowercased), type and class; looked up by span so a hit allocates nothing.
/// </summary>
internal sealed class DnsResponseCache
{
    private readonly ConcurrentDictionary<CacheKey, CachedAnswer> _entries;
    private readonly ConcurrentDictionary<CacheKey, CachedAnswer>.AlternateLookup<CacheLookup> _lookup;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxEntries;
    private int _sweeping;

    public DnsResponseCache(int maxEntries, TimeProvider timeProvider)
    {
        _maxEntries = Math.Max(1, maxEntries);
        _timeProvider = timeProvider;
        _entries = new ConcurrentDictionary<CacheKey, CachedAnswer>(CacheKeyComparer.Instance);
        _lookup = _entries.GetAlternateLookup<CacheLookup>();
    }

    public int Count => _entries.Count;

    /// <summary>Finds a live answer and how many whole seconds old it is.</summary>
    public bool TryGet(ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class, out CachedAnswer? answer, out uint age)
    {
        age = 0;
        if (!_lookup.TryGetValue(new CacheLookup(name, (ushort)type, (ushort)@class), out answer))
        {
            return false;
        }

        double elapsed = _timeProvider.GetElapsedTime(answer.StoredAt).TotalSeconds;
        if (elapsed >= answer.Ttl)
        {
            _lookup.TryRemove(new CacheLookup(name, (ushort)type, (ushort)@class), out _);
            answer = null;
            return false;
        }

        age = (uint)Math.Max(0, elapsed);
        return true;
    }

    public void Store(ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class, CachedAnswer answer)
    {
        if (answer.Ttl == 0)
        {
            return;
        }

        if (_entries.Count >= _maxEntries)
        {
            Sweep();
        }

        _entries[new CacheKey(name.ToArray(), (ushort)type, (ushort)@class)] = answer;
    }

    public void Clear() => _entries.Clear();

    /// <summary>Drops expired answers; if the cache is still full, drops a tenth of it, oldest first.</summary>
    private void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var (key, value) in _entries)
            {
                if (_timeProvider.GetElapsedTime(value.StoredAt).TotalSeconds >= value.Ttl)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            int excess = _entries.Count - _maxEntries * 9 / 10;
            if (excess > 0)
            {
                foreach (var (key, _) in _entries.OrderBy(e => e.Value.StoredAt).Take(excess).ToList())
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed record CacheKey(byte[] Name, ushort Type, ushort Class);

    private readonly ref struct CacheLookup(ReadOnlySpan<byte> name, ushort type, ushort @class)
    {
        public ReadOnlySpan<byte> Name { get; } = name;

        public ushort Type { get; } = type;

        public ushort Class { get; } = @class;
    }

    private sealed class CacheKeyComparer : IEqualityComparer<CacheKey>, IAlternateEqualityComparer<CacheLookup, CacheKey>
    {
        public static CacheKeyComparer Instance { get; } = new();

        public bool Equals(CacheKey? x, CacheKey? y) =>
            ReferenceEquals(x, y) || x is not null && y is not null && x.Type == y.Type && x.Class == y.Class && x.Name.AsSpan().SequenceEqual(y.Name);

        public int GetHashCode(CacheKey obj) => Hash(obj.Name, obj.Type, obj.Class);

        public bool Equals(CacheLookup alternate, CacheKey other) =>
            alternate.Type == other.Type && alternate.Class == other.Class && alternate.Name.SequenceEqual(other.Name);

        public int GetHashCode(CacheLookup alternate) => Hash(alternate.Name, alternate.Type, alternate.Class);

        public CacheKey Create(CacheLookup alternate) => new(alternate.Name.ToArray(), alternate.Type, alternate.Class);

        private static int Hash(ReadOnlySpan<byte> name, ushort type, ushort @class)
        {
            var hash = new HashCode();
            hash.AddBytes(name);
            hash.Add(type);
            hash.Add(@class);
            return hash.ToHashCode();
        }
    }
}

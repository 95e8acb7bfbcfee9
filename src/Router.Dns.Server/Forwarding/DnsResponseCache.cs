using System.Buffers;
using System.Collections.Concurrent;

namespace Router.Dns.Server.Forwarding;

/// <summary>An answer kept by the forwarding cache; immutable.</summary>
internal sealed class CachedAnswer(DnsResponseCode responseCode, DnsRecord[] answers, DnsRecord[] authorities, DnsRecord[] additionals, uint ttl, long storedAt)
{
    // Per record: the DnsRecord, its DnsName with the name's array, and the RDATA object (headers and fields, 64-bit);
    // the record's wire length is added to it. Per answer: this object and its three arrays.
    private const int RecordOverhead = 48 + 32 + 24 + 40;
    private const int AnswerOverhead = 56 + 3 * 24;

    public DnsResponseCode ResponseCode { get; } = responseCode;

    public DnsRecord[] Answers { get; } = answers;

    public DnsRecord[] Authorities { get; } = authorities;

    public DnsRecord[] Additionals { get; } = additionals;

    /// <summary>Seconds the answer may be served for from <see cref="StoredAt"/>.</summary>
    public uint Ttl { get; } = ttl;

    /// <summary>A <see cref="TimeProvider"/> timestamp.</summary>
    public long StoredAt { get; } = storedAt;

    /// <summary>
    /// The managed bytes this answer holds, estimated: the objects' overhead plus each record's uncompressed wire length.
    /// Bounded by one message: the records came from a single upstream response.
    /// </summary>
    public int EstimatedBytes { get; } = Estimate(answers, authorities, additionals);

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

    private static int Estimate(DnsRecord[] answers, DnsRecord[] authorities, DnsRecord[] additionals)
    {
        int count = answers.Length + authorities.Length + additionals.Length;
        if (count == 0)
        {
            return AnswerOverhead;
        }

        byte[] scratch = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
        try
        {
            return AnswerOverhead + (8 + RecordOverhead) * count + WireLength(answers, scratch) + WireLength(authorities, scratch) +
                WireLength(additionals, scratch);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static int WireLength(DnsRecord[] records, byte[] scratch)
    {
        int total = 0;
        foreach (var record in records)
        {
            var writer = new DnsWireWriter(scratch, compression: false);
            total += record.TryWrite(ref writer) ? writer.Position : DnsLimits.MaxMessageLength;
        }

        return total;
    }
}

/// <summary>
/// The forwarding cache: bounded, TTL-honouring, with negative caching (RFC 2308). Keyed by question name
/// (lowercased), type and class; looked up by span so a hit allocates nothing and takes no lock. Its size is bounded
/// by <c>MaxEntries</c>: an answer is added only under the store lock, after making room, so <see cref="Count"/>
/// never exceeds it, and each entry holds at most one message's records (<see cref="CachedAnswer.EstimatedBytes"/>).
/// An expired answer stays until it is stored again (in place) or the cache is full; then the expired ones go first,
/// and if that is not enough, the oldest inserted, down to nine tenths of the limit.
/// </summary>
internal sealed class DnsResponseCache
{
    private readonly ConcurrentDictionary<CacheKey, CachedAnswer> _entries;
    private readonly ConcurrentDictionary<CacheKey, CachedAnswer>.AlternateLookup<CacheLookup> _lookup;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxEntries;
    private readonly Lock _storeLock = new();

    // Under _storeLock: the cached keys, oldest inserted first (exactly the dictionary's keys), and their count and bytes.
    private readonly Queue<CacheKey> _order = new();
    private int _count;
    private long _bytes;

    public DnsResponseCache(int maxEntries, TimeProvider timeProvider)
    {
        _maxEntries = Math.Max(1, maxEntries);
        _timeProvider = timeProvider;
        _entries = new ConcurrentDictionary<CacheKey, CachedAnswer>(CacheKeyComparer.Instance);
        _lookup = _entries.GetAlternateLookup<CacheLookup>();
    }

    /// <summary>The limit on <see cref="Count"/>.</summary>
    public int MaxEntries => _maxEntries;

    /// <summary>Answers held, live or expired; never more than <see cref="MaxEntries"/>.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The estimated managed bytes of the answers held (<see cref="CachedAnswer.EstimatedBytes"/> summed, keys included).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

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

        var lookup = new CacheLookup(name, (ushort)type, (ushort)@class);
        lock (_storeLock)
        {
            if (_lookup.TryGetValue(lookup, out var actualKey, out var previous))
            {
                // In place: the key keeps its place in the insertion order.
                _entries[actualKey] = answer;
                Interlocked.Add(ref _bytes, answer.EstimatedBytes - previous.EstimatedBytes);
                return;
            }

            if (_count >= _maxEntries)
            {
                MakeRoom();
            }

            var key = new CacheKey(name.ToArray(), (ushort)type, (ushort)@class);
            _entries[key] = answer;
            _order.Enqueue(key);
            Volatile.Write(ref _count, _count + 1);
            Interlocked.Add(ref _bytes, KeyBytes(key) + answer.EstimatedBytes);
        }
    }

    public void Clear()
    {
        lock (_storeLock)
        {
            _entries.Clear();
            _order.Clear();
            Volatile.Write(ref _count, 0);
            Interlocked.Exchange(ref _bytes, 0);
        }
    }

    /// <summary>Under the store lock: drops the expired answers; if that leaves more than nine tenths, the oldest inserted.</summary>
    private void MakeRoom()
    {
        int keep = _maxEntries * 9 / 10;
        int queued = _order.Count;
        for (int i = 0; i < queued; i++)
        {
            var key = _order.Dequeue();
            var answer = _entries[key];
            if (_timeProvider.GetElapsedTime(answer.StoredAt).TotalSeconds >= answer.Ttl)
            {
                Remove(key, answer);
            }
            else
            {
                _order.Enqueue(key);
            }
        }

        while (_count > keep)
        {
            var key = _order.Dequeue();
            Remove(key, _entries[key]);
        }
    }

    private void Remove(CacheKey key, CachedAnswer answer)
    {
        _entries.TryRemove(key, out _);
        Volatile.Write(ref _count, _count - 1);
        Interlocked.Add(ref _bytes, -(KeyBytes(key) + answer.EstimatedBytes));
    }

    // The key object, its name array and the dictionary node that holds it (object headers and fields, 64-bit).
    private static long KeyBytes(CacheKey key) => 32 + 24 + key.Name.Length + 48;

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

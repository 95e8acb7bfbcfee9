using System.Net;
using Microsoft.Extensions.Time.Testing;
using Router.Dns.Server.Forwarding;

namespace Router.Dns.Server.Tests.Forwarding;

/// <summary>
/// The forwarding cache in virtual time: TTL aging and expiry (RFC 1035 §7.4), negative caching for
/// min(SOA TTL, SOA MINIMUM) and not at all without an SOA (RFC 2308 §5), and a bounded size.
/// </summary>
public sealed class DnsResponseCacheTests
{
    private const uint MaxTtl = 3600;
    private const uint MaxNegativeTtl = 300;

    private static readonly byte[] Name = DnsName.Parse("www.cache.test").Wire.ToArray();

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void TryGet_TimeAdvances_AgeInWholeSeconds()
    {
        // Arrange
        var cache = new DnsResponseCache(100, _clock);
        cache.Store(Name, DnsRecordType.A, DnsClass.IN, Positive(ttl: 60));

        // Act
        _clock.Advance(TimeSpan.FromSeconds(25.7));
        bool hit = cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out var answer, out uint age);

        // Assert
        Assert.True(hit);
        Assert.Equal(25u, age);
        Assert.Equal(60u, answer!.Ttl);
    }

    [Fact]
    public void TryGet_TtlElapsed_MissUntilStoredAgainInPlace()
    {
        // Arrange
        var cache = new DnsResponseCache(100, _clock);
        cache.Store(Name, DnsRecordType.A, DnsClass.IN, Positive(ttl: 60));

        // 1. One tick before the TTL runs out: still there.
        _clock.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out _, out uint age));
        Assert.Equal(59u, age);

        // 2. At the TTL: a miss.
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out var answer, out _));
        Assert.Null(answer);

        // 3. The fresh answer replaces the expired one in place: still one entry, and its bytes counted once.
        long bytes = cache.Bytes;
        cache.Store(Name, DnsRecordType.A, DnsClass.IN, Positive(ttl: 60));
        Assert.Equal(1, cache.Count);
        Assert.Equal(bytes, cache.Bytes);
        Assert.True(cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out _, out age));
        Assert.Equal(0u, age);
    }

    [Fact]
    public void TryGet_OtherTypeOrClass_Miss()
    {
        // Arrange
        var cache = new DnsResponseCache(100, _clock);
        cache.Store(Name, DnsRecordType.A, DnsClass.IN, Positive(ttl: 60));

        // Act + Assert
        Assert.False(cache.TryGet(Name, DnsRecordType.AAAA, DnsClass.IN, out _, out _));
        Assert.False(cache.TryGet(Name, DnsRecordType.A, DnsClass.CH, out _, out _));
        Assert.False(cache.TryGet(DnsName.Parse("www2.cache.test").Wire, DnsRecordType.A, DnsClass.IN, out _, out _));
        Assert.True(cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out _, out _));
    }

    [Fact]
    public void FromResponse_PositiveAnswer_TtlIsLowestRecordTtlCappedByMaxTtl()
    {
        // Arrange
        var response = Response(DnsResponseCode.NoError, answers: [A(600), A(120)]);
        var longLived = Response(DnsResponseCode.NoError, answers: [A(86_400)]);

        // Act
        var answer = CachedAnswer.FromResponse(response, _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true);
        var capped = CachedAnswer.FromResponse(longLived, _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true);

        // Assert
        Assert.Equal(120u, answer!.Ttl);
        Assert.Equal(MaxTtl, capped!.Ttl);
    }

    [Theory]
    [InlineData(DnsResponseCode.NameError, 3600u, 120u, 120u)]
    [InlineData(DnsResponseCode.NoError, 3600u, 120u, 120u)]
    [InlineData(DnsResponseCode.NameError, 60u, 120u, 60u)]
    [InlineData(DnsResponseCode.NameError, 3600u, 7200u, MaxNegativeTtl)]
    public void FromResponse_NegativeAnswerWithSoa_TtlIsSoaMinimum(DnsResponseCode code, uint soaTtl, uint soaMinimum, uint expected)
    {
        // Arrange
        var response = Response(code, authorities: [Soa(soaTtl, soaMinimum)]);

        // Act
        var answer = CachedAnswer.FromResponse(response, _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true);

        // Assert (RFC 2308 §5: min(SOA TTL, SOA MINIMUM), and our cap)
        Assert.Equal(expected, answer!.Ttl);
    }

    [Fact]
    public void Store_NegativeAnswerWithSoa_ServedUntilSoaMinimum()
    {
        // Arrange
        var cache = new DnsResponseCache(100, _clock);
        var answer = CachedAnswer.FromResponse(Response(DnsResponseCode.NameError, authorities: [Soa(3600, 90)]), _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true)!;

        // Act
        cache.Store(Name, DnsRecordType.A, DnsClass.IN, answer);
        _clock.Advance(TimeSpan.FromSeconds(89));
        bool before = cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out var cached, out _);
        _clock.Advance(TimeSpan.FromSeconds(1));
        bool after = cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out _, out _);

        // Assert
        Assert.True(before);
        Assert.Equal(DnsResponseCode.NameError, cached!.ResponseCode);
        Assert.False(after);
    }

    [Theory]
    [InlineData(DnsResponseCode.NameError)]
    [InlineData(DnsResponseCode.NoError)]
    public void Store_NegativeAnswerWithoutSoa_NotCached(DnsResponseCode code)
    {
        // Arrange
        var cache = new DnsResponseCache(100, _clock);
        var answer = CachedAnswer.FromResponse(Response(code), _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true)!;

        // Act
        cache.Store(Name, DnsRecordType.A, DnsClass.IN, answer);

        // Assert
        Assert.Equal(0u, answer.Ttl);
        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryGet(Name, DnsRecordType.A, DnsClass.IN, out _, out _));
    }

    [Theory]
    [InlineData(DnsResponseCode.ServerFailure, false)]
    [InlineData(DnsResponseCode.Refused, false)]
    [InlineData(DnsResponseCode.NoError, true)]
    public void FromResponse_ServFailRefusedOrTruncated_NotCached(DnsResponseCode code, bool truncated)
    {
        // Arrange
        var response = Response(code, answers: [A(300)], authorities: [Soa(300, 300)]);
        response.IsTruncated = truncated;

        // Act
        var answer = CachedAnswer.FromResponse(response, _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true);

        // Assert
        Assert.Equal(0u, answer!.Ttl);
    }

    [Fact]
    public void Store_MoreThanMaxEntries_CountStaysBoundedAndNewestKept()
    {
        // Arrange
        const int maxEntries = 50;
        var cache = new DnsResponseCache(maxEntries, _clock);

        // Act: 500 different names, one second apart.
        for (int i = 0; i < 500; i++)
        {
            cache.Store(NameOf(i), DnsRecordType.A, DnsClass.IN, Positive(ttl: 3600));
            Assert.InRange(cache.Count, 1, maxEntries);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Assert: the newest survive; the oldest were dropped first.
        Assert.True(cache.TryGet(NameOf(499), DnsRecordType.A, DnsClass.IN, out _, out _));
        Assert.False(cache.TryGet(NameOf(0), DnsRecordType.A, DnsClass.IN, out _, out _));
        Assert.False(cache.TryGet(NameOf(400), DnsRecordType.A, DnsClass.IN, out _, out _));
    }

    [Fact]
    public void Store_FullOfExpiredEntries_ExpiredDroppedFirst()
    {
        // Arrange
        var cache = new DnsResponseCache(10, _clock);
        for (int i = 0; i < 9; i++)
        {
            cache.Store(NameOf(i), DnsRecordType.A, DnsClass.IN, Positive(ttl: 5));
        }

        cache.Store(NameOf(100), DnsRecordType.A, DnsClass.IN, Positive(ttl: 3600));
        _clock.Advance(TimeSpan.FromSeconds(10));

        // Act
        cache.Store(NameOf(101), DnsRecordType.A, DnsClass.IN, Positive(ttl: 3600));

        // Assert: the long-lived entry survives the sweep; the expired ones are gone.
        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet(NameOf(100), DnsRecordType.A, DnsClass.IN, out _, out _));
    }

    [Fact]
    public void Store_ManyThreadsMoreThanMaxEntries_CountNeverExceedsMaxEntries()
    {
        // Arrange
        const int maxEntries = 64;
        var cache = new DnsResponseCache(maxEntries, _clock);
        int highest = 0;

        // Act: four threads store 2,000 different names each, watching the count as they go.
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                cache.Store(NameOf(thread * 10_000 + i), DnsRecordType.A, DnsClass.IN, Positive(ttl: 3600));
                int count = cache.Count;
                int seen;
                while ((seen = Volatile.Read(ref highest)) < count && Interlocked.CompareExchange(ref highest, count, seen) != seen)
                {
                }
            }
        });

        // Assert
        Assert.InRange(highest, 1, maxEntries);
        Assert.InRange(cache.Count, 1, maxEntries);
    }

    [Fact]
    public void Bytes_StoreAndEvict_SumOfEntriesBoundedByMaxEntries()
    {
        // Arrange: answers of three sizes.
        const int maxEntries = 20;
        var cache = new DnsResponseCache(maxEntries, _clock);
        var small = Positive(ttl: 3600);
        var large = CachedAnswer.FromResponse(Response(DnsResponseCode.NoError, answers: [.. Enumerable.Repeat(A(3600), 30)]),
            _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true)!;
        int largestEntry = 0;

        // Act
        for (int i = 0; i < 200; i++)
        {
            var answer = i % 3 == 0 ? large : small;
            cache.Store(NameOf(i), DnsRecordType.A, DnsClass.IN, answer);
            largestEntry = Math.Max(largestEntry, answer.EstimatedBytes + 200);
            Assert.InRange(cache.Bytes, 1, (long)maxEntries * largestEntry);
        }

        cache.Clear();

        // Assert: a 30-record answer weighs more than a 1-record one, by at least the records' wire length; a clear
        // gives everything back.
        Assert.True(large.EstimatedBytes - small.EstimatedBytes >= 29 * (16 + 10 + 4));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Bytes_EvictedToMakeRoom_EqualsTheSumOfWhatIsLeft()
    {
        // Arrange
        var cache = new DnsResponseCache(10, _clock);
        var answer = Positive(ttl: 3600);
        cache.Store(NameOf(10), DnsRecordType.A, DnsClass.IN, answer);
        long perEntry = cache.Bytes;

        // Act: 25 names of the same length into 10 places.
        for (int i = 1; i < 25; i++)
        {
            cache.Store(NameOf(i + 10), DnsRecordType.A, DnsClass.IN, answer);
        }

        // Assert
        Assert.Equal(perEntry * cache.Count, cache.Bytes);
        Assert.InRange(cache.Count, 9, 10);
    }

    private static byte[] NameOf(int i) => DnsName.Parse($"n{i}.cache.test").Wire.ToArray();

    private CachedAnswer Positive(uint ttl) =>
        CachedAnswer.FromResponse(Response(DnsResponseCode.NoError, answers: [A(ttl)]), _clock.GetTimestamp(), MaxTtl, MaxNegativeTtl, cacheable: true)!;

    private static DnsMessage Response(DnsResponseCode code, DnsRecord[]? answers = null, DnsRecord[]? authorities = null)
    {
        var message = new DnsMessage { Id = 1, IsResponse = true, RecursionAvailable = true, ResponseCode = code };
        message.Questions.Add(new DnsQuestion(DnsName.Parse("www.cache.test"), DnsRecordType.A));
        message.Answers.AddRange(answers ?? []);
        message.Authorities.AddRange(authorities ?? []);
        return message;
    }

    private static DnsRecord A(uint ttl) =>
        new(DnsName.Parse("www.cache.test"), DnsRecordType.A, DnsClass.IN, ttl, new AddressRecordData(IPAddress.Parse("192.0.2.1")));

    private static DnsRecord Soa(uint ttl, uint minimum) =>
        new(DnsName.Parse("cache.test"), DnsRecordType.SOA, DnsClass.IN, ttl,
            new SoaRecordData(DnsName.Parse("ns.cache.test"), DnsName.Parse("admin.cache.test"), 1, 3600, 600, 86400, minimum));
}

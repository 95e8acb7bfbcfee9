using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Forwarding;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Dns.Server.Tests.Pipeline;

namespace Router.Dns.Server.Tests.Forwarding;

/// <summary>
/// <see cref="ForwardingHandler"/> in the pipeline without sockets: who may use it, cache hits answered on the
/// receive loop with aged TTLs and RA set, misses deferred.
/// </summary>
public sealed class ForwardingHandlerTests : IDisposable
{
    private const ushort QR = DnsHeader.QueryResponseFlag;
    private const ushort RD = DnsHeader.RecursionDesiredFlag;
    private const ushort RA = DnsHeader.RecursionAvailableFlag;

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _clock = new();
    private readonly DnsResponseCache _cache;
    private readonly DnsPipeline _pipeline;

    public ForwardingHandlerTests()
    {
        var metrics = new DnsServerMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _cache = new DnsResponseCache(100, _clock);
        var resolver = new UpstreamResolver([], TimeSpan.FromSeconds(1), 2, _clock, NullLogger.Instance);
        NetworkPrefix.TryParse("127.0.0.0/8", out var loopback, out _);
        var handler = new ForwardingHandler([loopback], resolver, _cache, new DnsCacheOptionsSnapshot(3600, 300), _clock, metrics);
        _pipeline = DnsPipelineTests.Pipeline(handler);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Process_ClientOutsideAllowedClients_RefusedWithoutRa()
    {
        // Arrange
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("www.forward.test", DnsRecordType.A), client: NetworkAddress.FromIPAddress(IPAddress.Parse("10.1.2.3")));

        // Act
        var result = _pipeline.Process(context);

        // Assert
        Assert.Equal(DnsHandlerResult.Answered, result);
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
    }

    [Fact]
    public void Process_CacheHit_AnsweredAtOnceWithAgedTtlAndRa()
    {
        // Arrange
        var upstream = new DnsMessage { IsResponse = true, RecursionAvailable = true };
        upstream.Questions.Add(new DnsQuestion(DnsName.Parse("www.forward.test"), DnsRecordType.A));
        upstream.Answers.Add(new DnsRecord(DnsName.Parse("www.forward.test"), DnsRecordType.A, DnsClass.IN, 100, new AddressRecordData(IPAddress.Parse("192.0.2.8"))));
        _cache.Store(DnsName.Parse("www.forward.test").Wire, DnsRecordType.A, DnsClass.IN,
            CachedAnswer.FromResponse(upstream, _clock.GetTimestamp(), 3600, 300, cacheable: true)!);
        _clock.Advance(TimeSpan.FromSeconds(30));

        // Act: the question in another case; the cache key is the lowercased name.
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("WWW.Forward.TEST", DnsRecordType.A));
        var result = _pipeline.Process(context);

        // Assert
        Assert.Equal(DnsHandlerResult.Answered, result);
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | RD | RA, counts: (1, 1, 0, 0));
        var response = DnsPipelineTests.Parse(context);
        Assert.Equal("WWW.Forward.TEST.", response.Questions[0].Name.ToString());
        Assert.Equal(70u, Assert.Single(response.Answers).Ttl);
    }

    [Fact]
    public async Task Process_CacheMissNoUpstream_DeferredThenServFailWithRa()
    {
        // Arrange
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("miss.forward.test", DnsRecordType.A));

        // Act
        var result = _pipeline.Process(context);
        await _pipeline.ProcessDeferredAsync(context, CancellationToken.None);

        // Assert
        Assert.Equal(DnsHandlerResult.Deferred, result);
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | RD | RA | (int)DnsResponseCode.ServerFailure, counts: (1, 0, 0, 0));
    }

    [Fact]
    public void Process_ZoneTransferFromAllowedClient_Refused()
    {
        // Act
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("forward.test", DnsRecordType.AXFR), DnsTransport.Tcp);
        _pipeline.Process(context);

        // Assert
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | RD | RA | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
    }
}

using System.Net;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// Forwarding through a real upstream: a second in-process server authoritative for <c>upstream.test</c>. The
/// forwarder answers with RA set and AA clear, passes negative answers through, caches (RFC 1035 §7.4, RFC 2308)
/// with aged TTLs, fails over past silent upstreams and answers SERVFAIL when none answers. Asked with dig and kdig,
/// except where a test steps the forwarder's fake clock while a query is in flight: there DnsClient asks in-process.
/// </summary>
public sealed class ForwardingDigTests(ForwardingFixture fixture) : IClassFixture<ForwardingFixture>
{
    /// <summary>The client's own wait: only ends a test that would hang; the answers' timing runs on the fake clock.</summary>
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<DnsClientTool, bool> Clients => AuthoritativeDigTests.Clients;

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Forward_NameInUpstreamZone_AnsweredWithRaAndWithoutAa(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Forwarder.EndPoint, "www.upstream.test", "A", tcp);

        // Assert
        Assert.True(result.Status == "NOERROR", result.ToString());
        Assert.True(result.HasFlag("ra"), result.ToString());
        Assert.False(result.HasFlag("aa"), result.ToString());
        var record = Assert.Single(result.Answer);
        Assert.Equal(("www.upstream.test.", "A", "192.0.2.100"), (record.Name, record.Type, record.Data));
        Assert.InRange(record.Ttl, 200u, 300u);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Forward_UnknownNameUpstream_NxDomainWithSoaPassedThrough(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Forwarder.EndPoint, "nx.upstream.test", "A", tcp);

        // Assert
        Assert.True(result.Status == "NXDOMAIN", result.ToString());
        Assert.True(result.HasFlag("ra"), result.ToString());
        Assert.False(result.HasFlag("aa"), result.ToString());
        Assert.Empty(result.Answer);
        var soa = Assert.Single(result.Authority);
        Assert.Equal(("upstream.test.", "SOA"), (soa.Name, soa.Type));
    }

    [Fact]
    public async Task Forward_LocalZoneName_AnsweredAuthoritativelyNotForwarded()
    {
        // Act
        var result = await DnsTools.DigAsync(fixture.Forwarder.EndPoint, "www.local.test", "A");

        // Assert: our own zones come first; a client forwarding serves sees RA on every answer.
        Assert.True(result.Status == "NOERROR" && result.HasFlag("aa") && result.HasFlag("ra"), result.ToString());
        Assert.Equal("192.0.2.7", Assert.Single(result.Answer).Data);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Forward_CnameAtUpstream_ChainAndTargetPassedThrough(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Forwarder.EndPoint, "alias.upstream.test", "A", tcp);

        // Assert
        Assert.True(result.Status == "NOERROR" && result.HasFlag("ra"), result.ToString());
        Assert.Equal(["CNAME", "A"], result.Answer.Select(r => r.Type));
        Assert.Equal("192.0.2.100", result.Answer[1].Data);
    }

    [Fact]
    public async Task Forward_LargeUpstreamAnswer_TruncatedOverUdpThenCompleteOverTcp()
    {
        // Act: the upstream truncates to the forwarder (which retries over TCP); the forwarder truncates to a
        // client without EDNS, and dig retries over TCP.
        var ignoring = await DnsTools.DigAsync(fixture.Forwarder.EndPoint, "big.upstream.test", "A", "+noedns", "+ignore");
        var retrying = await DnsTools.DigAsync(fixture.Forwarder.EndPoint, "big.upstream.test", "A", "+noedns");
        var kdig = await DnsTools.QueryAsync(DnsClientTool.Kdig, fixture.Forwarder.EndPoint, "big.upstream.test", "A", tcp: true);

        // Assert
        Assert.True(ignoring.Status == "NOERROR" && ignoring.HasFlag("tc") && ignoring.HasFlag("ra"), ignoring.ToString());
        Assert.Equal(0, ignoring.AnswerCount);
        Assert.True(retrying.Status == "NOERROR" && retrying.Transport == "TCP", retrying.ToString());
        Assert.Equal(TestZones.BigRRsetSize, retrying.Answers("A").Count);
        Assert.Equal(TestZones.BigRRsetSize, kdig.Answers("A").Count);
    }

    [Fact]
    public async Task Forward_PipelinedTcpQueriesMixedWithLocalZone_EveryAnswerMatchesItsId()
    {
        // Arrange: forwarded queries complete asynchronously, so answers may come back in another order.
        using var socket = await RawDns.ConnectTcpAsync(fixture.Forwarder.EndPoint);
        (ushort Id, string Name, DnsRecordType Type, DnsResponseCode Code)[] queries =
        [
            (201, "www.upstream.test", DnsRecordType.A, DnsResponseCode.NoError),
            (202, "www.local.test", DnsRecordType.A, DnsResponseCode.NoError),
            (203, "pipelined-nx.upstream.test", DnsRecordType.A, DnsResponseCode.NameError),
            (204, "www.upstream.test", DnsRecordType.AAAA, DnsResponseCode.NoError),
            (205, "nope.local.test", DnsRecordType.A, DnsResponseCode.NameError),
            (206, "big.upstream.test", DnsRecordType.A, DnsResponseCode.NoError),
        ];

        // Act
        await RawDns.SendAllAsync(socket, [.. queries.SelectMany(q => RawDns.Frame(RawDns.QueryBytes(q.Name, q.Type, q.Id)))]);
        var responses = new List<DnsMessage>();
        for (int i = 0; i < queries.Length; i++)
        {
            var response = await RawDns.ReadFramedAsync(socket);
            Assert.True(response is not null, $"Only {i} of {queries.Length} answers arrived.");
            responses.Add(RawDns.Parse(response));
        }

        // Assert
        Assert.Equal(queries.Select(q => q.Id).Order(), responses.Select(r => r.Id).Order());
        foreach (var query in queries)
        {
            var response = responses.Single(r => r.Id == query.Id);
            Assert.Equal(query.Code, response.ResponseCode);
            Assert.Equal(query.Name + ".", response.Questions[0].Name.ToString());
        }

        Assert.Equal(TestZones.BigRRsetSize, responses.Single(r => r.Id == 206).Answers.Count);
    }

    [Fact]
    public async Task Forward_TcpClientHalfClosesAfterItsQueries_EveryAnswerStillSent()
    {
        // Arrange: some clients shut down their sending side once the last query is out, then read.
        using var socket = await RawDns.ConnectTcpAsync(fixture.Forwarder.EndPoint);
        byte[] queries =
        [
            .. RawDns.Frame(RawDns.QueryBytes("www.local.test", DnsRecordType.A, id: 301)),
            .. RawDns.Frame(RawDns.QueryBytes("half-close-1.upstream.test", DnsRecordType.A, id: 302)),
            .. RawDns.Frame(RawDns.QueryBytes("half-close-2.upstream.test", DnsRecordType.TXT, id: 303)),
            .. RawDns.Frame(RawDns.QueryBytes("www.upstream.test", DnsRecordType.AAAA, id: 304)),
        ];

        // Act
        await RawDns.SendAllAsync(socket, queries);
        socket.Shutdown(SocketShutdown.Send);
        var ids = new List<ushort>();
        while (await RawDns.ReadFramedAsync(socket) is { } response)
        {
            ids.Add(RawDns.Parse(response).Id);
        }

        // Assert (RFC 7766 §6.2.3: queries received are answered before the connection counts as idle)
        Assert.Equal(new ushort[] { 301, 302, 303, 304 }, ids.Order());
    }

    [Fact]
    public async Task Forward_ManyConcurrentUdpClients_EachGetsItsOwnAnswer()
    {
        // Arrange: forwarded queries complete off the receive loop with their own context and client address.
        var queries = Enumerable.Range(0, 64).Select(i => (Id: (ushort)(1000 + i), Name: i % 2 == 0 ? $"c{i}.upstream.test" : "www.upstream.test")).ToList();

        // Act
        var responses = await Task.WhenAll(queries.Select(q =>
            RawDns.UdpQueryAsync(fixture.Forwarder.EndPoint, RawDns.QueryBytes(q.Name, DnsRecordType.A, q.Id))));

        // Assert
        for (int i = 0; i < queries.Count; i++)
        {
            Assert.Equal(queries[i].Id, responses[i].Id);
            Assert.Equal(queries[i].Name + ".", responses[i].Questions[0].Name.ToString());
            Assert.Equal(i % 2 == 0 ? DnsResponseCode.NameError : DnsResponseCode.NoError, responses[i].ResponseCode);
            Assert.True(responses[i].RecursionAvailable);
        }
    }

    [Fact]
    public async Task Forward_SingleAttemptConfigured_ServerStartsAndForwards()
    {
        // Arrange: Forwarding:Attempts = 1 is valid configuration (0-16).
        var options = ForwardingFixture.ForwarderOptions(2, 1, fixture.Upstream.EndPoint);
        await using var forwarder = await TestDnsServer.StartAsync(options);

        // Act
        var result = await DnsTools.DigAsync(forwarder.EndPoint, "www.upstream.test", "A");

        // Assert
        Assert.True(result.Status == "NOERROR" && result.HasFlag("ra"), result.ToString());
        Assert.Equal("192.0.2.100", Assert.Single(result.Answer).Data);
    }

    [Fact]
    public async Task Forward_UpstreamStopped_SecondQueryServedFromCacheWithAgedTtl()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        await using var upstream = await TestDnsServer.StartAsync(TestDnsServer.Options(ForwardingFixture.UpstreamZone()));
        await using var forwarder = await TestDnsServer.StartAsync(ForwardingFixture.ForwarderOptions(upstream.EndPoint), clock);
        using var lookups = forwarder.Collect(DnsTelemetryNames.CacheLookups);

        // Act
        var first = await DnsTools.DigAsync(forwarder.EndPoint, "www.upstream.test", "A");
        await upstream.DisposeAsync();
        clock.Advance(TimeSpan.FromSeconds(120));
        var second = await DnsTools.DigAsync(forwarder.EndPoint, "www.upstream.test", "A");

        // Assert
        Assert.True(first.Status == "NOERROR", first.ToString());
        Assert.Equal(300u, Assert.Single(first.Answer).Ttl);
        Assert.True(second.Status == "NOERROR" && second.HasFlag("ra"), second.ToString());
        Assert.Equal(new DigRecord("www.upstream.test.", 180, "IN", "A", "192.0.2.100"), Assert.Single(second.Answer));
        Assert.Equal(1, lookups.GetMeasurementSnapshot().ContainsTags(Tag(DnsTelemetryNames.OutcomeTag, "hit")).EvaluateAsCounter());
    }

    [Fact]
    public async Task Forward_AnswersCached_EntriesAndBytesGaugesFollowTheCache()
    {
        // Arrange: a forwarder with room for two answers.
        await using var upstream = await TestDnsServer.StartAsync(TestDnsServer.Options(ForwardingFixture.UpstreamZone()));
        var options = ForwardingFixture.ForwarderOptions(upstream.EndPoint);
        options.Forwarding.Cache.MaxEntries = 2;
        await using var forwarder = await TestDnsServer.StartAsync(options);
        using var entries = forwarder.Collect(DnsTelemetryNames.CacheEntries);
        using var bytes = forwarder.Collect(DnsTelemetryNames.CacheBytes);

        // Act: one answer, then three more names (the limit is two).
        var first = await DnsTools.DigAsync(forwarder.EndPoint, "www.upstream.test", "A");
        entries.RecordObservableInstruments();
        bytes.RecordObservableInstruments();
        long oneEntry = entries.LastMeasurement!.Value;
        long oneEntryBytes = bytes.LastMeasurement!.Value;
        foreach (string name in (string[])["www.upstream.test AAAA", "alias.upstream.test A", "nx.upstream.test A"])
        {
            var answer = await DnsTools.DigAsync(forwarder.EndPoint, name.Split(' ')[0], name.Split(' ')[1]);
            Assert.True(answer.Status is "NOERROR" or "NXDOMAIN", answer.ToString());
        }

        entries.RecordObservableInstruments();
        bytes.RecordObservableInstruments();

        // Assert
        Assert.True(first.Status == "NOERROR", first.ToString());
        Assert.Equal(1, oneEntry);
        Assert.InRange(oneEntryBytes, 100, 2_000);
        Assert.Equal(2, entries.LastMeasurement!.Value);
        Assert.InRange(bytes.LastMeasurement!.Value, oneEntryBytes + 1, 2 * 4_000);
    }

    [Fact]
    public async Task Forward_NegativeAnswer_CachedForSoaMinimumThenAskedAgain()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        await using var upstream = await TestDnsServer.StartAsync(TestDnsServer.Options(ForwardingFixture.UpstreamZone()));
        await using var forwarder = await TestDnsServer.StartAsync(ForwardingFixture.ForwarderOptions(upstream.EndPoint), clock);

        // Act: 1. from upstream; 2. upstream gone, 100 s later, from the cache; 3. at 300 s (the SOA MINIMUM) expired.
        var fresh = await DnsTools.DigAsync(forwarder.EndPoint, "nx.upstream.test", "A");
        await upstream.DisposeAsync();
        clock.Advance(TimeSpan.FromSeconds(100));
        var cached = await DnsTools.DigAsync(forwarder.EndPoint, "nx.upstream.test", "A");
        clock.Advance(TimeSpan.FromSeconds(200));
        var expired = await DnsTools.DigAsync(forwarder.EndPoint, "nx.upstream.test", "A");

        // Assert
        Assert.True(fresh.Status == "NXDOMAIN", fresh.ToString());
        Assert.Equal(300u, Assert.Single(fresh.Authority).Ttl);
        Assert.True(cached.Status == "NXDOMAIN", cached.ToString());
        Assert.Equal(("upstream.test.", "SOA", 200u), (Assert.Single(cached.Authority).Name, cached.Authority[0].Type, cached.Authority[0].Ttl));
        Assert.True(expired.Status == "SERVFAIL", expired.ToString());
    }

    [Fact]
    public async Task Forward_FirstUpstreamNeverAnswers_FailsOverToSecondAfterTheTimeout()
    {
        // Arrange: the attempt timeout runs on a fake clock, so failing over depends on that clock alone.
        const double timeoutSeconds = 0.5;
        var clock = new FakeTimeProvider();
        using var silent = ForwardingFixture.BlackHole();
        var options = ForwardingFixture.ForwarderOptions(timeoutSeconds, 2, (IPEndPoint)silent.LocalEndPoint!, fixture.Upstream.EndPoint);
        await using var forwarder = await TestDnsServer.StartAsync(options, clock);

        // Act: the first upstream is asked; nothing more happens until its timeout has passed.
        var query = LoopbackDnsClient.QueryAsync(forwarder.EndPoint, "www.upstream.test", QueryType.AAAA, timeout: ClientTimeout);
        int asked = 0;
        await Poll.UntilAsync(() => (asked += Drain(silent)) == 1, "the first upstream asked");
        bool answeredBeforeTimeout = query.IsCompleted;
        clock.Advance(TimeSpan.FromSeconds(timeoutSeconds));
        var result = await query;

        // Assert
        Assert.False(answeredBeforeTimeout, "answered before the first upstream's timeout passed");
        Assert.True(result.Header.ResponseCode == DnsHeaderResponseCode.NoError, LoopbackDnsClient.Describe(result));
        Assert.Equal(["2001:db8::100"], LoopbackDnsClient.Addresses(result));
        Assert.Equal(1, asked + Drain(silent));
    }

    [Fact]
    public async Task Forward_AllUpstreamsSilent_ServFailOnceEveryAttemptTimedOut()
    {
        // Arrange: attempt timeouts on a fake clock; each attempt is one datagram to the next upstream in turn.
        const double timeoutSeconds = 0.5;
        const int attempts = 3;
        var clock = new FakeTimeProvider();
        using var silent1 = ForwardingFixture.BlackHole();
        using var silent2 = ForwardingFixture.BlackHole();
        var options = ForwardingFixture.ForwarderOptions(timeoutSeconds, attempts, (IPEndPoint)silent1.LocalEndPoint!, (IPEndPoint)silent2.LocalEndPoint!);
        await using var forwarder = await TestDnsServer.StartAsync(options, clock);
        using var failures = forwarder.Collect(DnsTelemetryNames.ForwardFailures);

        // Act: let each attempt time out once it has been sent; the answer may come only after the last one.
        var query = LoopbackDnsClient.QueryAsync(forwarder.EndPoint, "www.upstream.test", QueryType.A, timeout: ClientTimeout);
        int asked1 = 0, asked2 = 0;
        var answeredEarly = new List<int>();
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            int sent = attempt;
            await Poll.UntilAsync(() => (asked1 += Drain(silent1)) + (asked2 += Drain(silent2)) == sent, $"attempt {sent} sent");
            if (query.IsCompleted)
            {
                answeredEarly.Add(attempt);
            }

            clock.Advance(TimeSpan.FromSeconds(timeoutSeconds));
        }

        var result = await query;

        // Assert
        Assert.Empty(answeredEarly);
        Assert.True(result.Header.ResponseCode == DnsHeaderResponseCode.ServerFailure, LoopbackDnsClient.Describe(result));
        Assert.True(result.Header.RecursionAvailable, LoopbackDnsClient.Describe(result));
        Assert.Equal((2, 1), (asked1 + Drain(silent1), asked2 + Drain(silent2)));
        Assert.Equal(1, failures.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Contains(forwarder.Logs.GetSnapshot(), e => e.Id.Name == "AllUpstreamsFailed");
    }

    [Fact]
    public async Task Forward_AllUpstreamsRefuseConnections_ServFailWithoutWaitingForTheTimeout()
    {
        // Arrange: ports nothing listens on (bound, noted, closed) answer ICMP port unreachable at once. The 5 s attempt
        // timeout runs on a fake clock that never moves: a SERVFAIL can only come from the refusals.
        IPEndPoint closed1, closed2;
        using (var s1 = ForwardingFixture.BlackHole())
        using (var s2 = ForwardingFixture.BlackHole())
        {
            closed1 = (IPEndPoint)s1.LocalEndPoint!;
            closed2 = (IPEndPoint)s2.LocalEndPoint!;
        }

        await using var forwarder = await TestDnsServer.StartAsync(ForwardingFixture.ForwarderOptions(5, 0, closed1, closed2), new FakeTimeProvider());

        // Act
        var result = await LoopbackDnsClient.QueryAsync(forwarder.EndPoint, "www.upstream.test", QueryType.A, timeout: ClientTimeout);

        // Assert
        Assert.True(result.Header.ResponseCode == DnsHeaderResponseCode.ServerFailure, LoopbackDnsClient.Describe(result));
    }

    /// <summary>Receives (and so counts) the datagrams waiting on a black-hole upstream.</summary>
    private static int Drain(Socket upstream)
    {
        byte[] buffer = new byte[4096];
        int count = 0;
        while (upstream.Available > 0)
        {
            upstream.Receive(buffer);
            count++;
        }

        return count;
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}

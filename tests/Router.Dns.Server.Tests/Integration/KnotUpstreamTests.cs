using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>Knot DNS with a tiny zone and a forwarder in front of it, started once for <see cref="KnotUpstreamTests"/>.</summary>
public sealed class KnotUpstreamFixture : IAsyncLifetime
{
    private const string ZoneFile = """
        $ORIGIN knot.test.
        $TTL 300
        @    IN SOA ns1 hostmaster 2026010101 3600 600 86400 120
        @    IN NS  ns1
        ns1  IN A   192.0.2.53
        www  IN A   192.0.2.200
        www  IN AAAA 2001:db8::200
        txt  IN TXT "from knot"

        """;

    private KnotServer? _knot;
    private TestDnsServer? _forwarder;

    internal TestDnsServer Forwarder => _forwarder ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _knot = await KnotServer.StartAsync("knot.test", ZoneFile, "www.knot.test");
        _forwarder = await TestDnsServer.StartAsync(ForwardingFixture.ForwarderOptions(_knot.EndPoint));
    }

    public async Task DisposeAsync()
    {
        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        if (_knot is not null)
        {
            await _knot.DisposeAsync();
        }
    }
}

/// <summary>Knot DNS, started with a tiny config in a temporary directory, as the forwarder's upstream.</summary>
public sealed class KnotUpstreamTests(KnotUpstreamFixture fixture) : IClassFixture<KnotUpstreamFixture>
{
    private TestDnsServer Forwarder => fixture.Forwarder;

    public static TheoryData<DnsClientTool, bool> Clients => AuthoritativeDigTests.Clients;

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Forward_KnotUpstream_AnswerWithRaAndWithoutAa(DnsClientTool tool, bool tcp)
    {
        // Act
        var a = await DnsTools.QueryAsync(tool, Forwarder.EndPoint, "www.knot.test", "A", tcp);
        var txt = await DnsTools.QueryAsync(tool, Forwarder.EndPoint, "txt.knot.test", "TXT", tcp);

        // Assert: Knot answers authoritatively; what the forwarder passes on is not its own authority.
        Assert.True(a.Status == "NOERROR" && a.HasFlag("ra") && !a.HasFlag("aa"), a.ToString());
        Assert.Equal(("www.knot.test.", "A", "192.0.2.200"), (Assert.Single(a.Answer).Name, a.Answer[0].Type, a.Answer[0].Data));
        Assert.True(txt.Status == "NOERROR", txt.ToString());
        Assert.Equal("\"from knot\"", Assert.Single(txt.Answer).Data);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Forward_KnotNxDomain_PassedThroughWithSoa(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, Forwarder.EndPoint, "missing.knot.test", "A", tcp);

        // Assert
        Assert.True(result.Status == "NXDOMAIN" && result.HasFlag("ra") && !result.HasFlag("aa"), result.ToString());
        var soa = Assert.Single(result.Authority);
        Assert.Equal(("knot.test.", "SOA"), (soa.Name, soa.Type));
        Assert.StartsWith("ns1.knot.test. hostmaster.knot.test. 2026010101", soa.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_KnotNoData_PassedThroughWithSoa()
    {
        // Act
        var result = await DnsTools.DigAsync(Forwarder.EndPoint, "txt.knot.test", "MX");

        // Assert
        Assert.True(result.Status == "NOERROR" && result.HasFlag("ra"), result.ToString());
        Assert.Empty(result.Answer);
        Assert.Equal("SOA", Assert.Single(result.Authority).Type);
    }
}

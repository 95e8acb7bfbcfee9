using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// CONTRACT "DNS behaviour", authoritative half, as real clients see it: dig and kdig, each over UDP and TCP, against
/// an in-process server on loopback.
/// </summary>
public sealed class AuthoritativeDigTests(AuthoritativeServerFixture fixture) : IClassFixture<AuthoritativeServerFixture>
{
    public static TheoryData<DnsClientTool, bool> Clients => new()
    {
        { DnsClientTool.Dig, false },
        { DnsClientTool.Dig, true },
        { DnsClientTool.Kdig, false },
        { DnsClientTool.Kdig, true },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_ApexRecordTypes_AnsweredAuthoritatively(DnsClientTool tool, bool tcp)
    {
        (string Name, string Type, string Data)[] cases =
        [
            ("example.test.", "A", "192.0.2.10"),
            ("example.test.", "AAAA", "2001:db8::10"),
            ("example.test.", "MX", "10 mail.example.test."),
            ("example.test.", "TXT", "\"hello world\""),
            ("_sip._udp.example.test.", "SRV", "10 20 5060 sip.example.test."),
            ("www.example.test.", "A", "192.0.2.1"),
            ("www.example.test.", "AAAA", "2001:db8::1"),
        ];

        foreach (var (name, type, data) in cases)
        {
            // Act
            var result = await AskAsync(tool, tcp, name, type);

            // Assert
            AssertAnswer(result, "NOERROR", tcp);
            var record = Assert.Single(result.Answer);
            Assert.Equal(new DigRecord(name, 300, "IN", type, data), record);
            Assert.Empty(result.Authority);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_ApexSoaAndNsNotConfigured_MadeUpFromConfig(DnsClientTool tool, bool tcp)
    {
        // Act
        var soa = await AskAsync(tool, tcp, "example.test", "SOA");
        var ns = await AskAsync(tool, tcp, "example.test", "NS");
        var glue = await AskAsync(tool, tcp, "ns1.example.test", "A");

        // Assert
        AssertAnswer(soa, "NOERROR", tcp);
        var soaRecord = Assert.Single(soa.Answer);
        Assert.Equal(("example.test.", "SOA", 300u), (soaRecord.Name, soaRecord.Type, soaRecord.Ttl));
        string[] fields = soaRecord.Data.Split(' ');
        Assert.Equal(7, fields.Length);
        Assert.Equal(["ns1.example.test.", "hostmaster.example.test."], fields[..2]);
        Assert.Equal(["3600", "600", "604800", "300"], fields[3..]);

        AssertAnswer(ns, "NOERROR", tcp);
        Assert.Equal(new DigRecord("example.test.", 300, "IN", "NS", "ns1.example.test."), Assert.Single(ns.Answer));

        // The made-up name server has the address the server listens on.
        AssertAnswer(glue, "NOERROR", tcp);
        Assert.Equal("127.0.0.1", Assert.Single(glue.Answer).Data);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_ApexSoaAndNsConfigured_ConfiguredOnesUsed(DnsClientTool tool, bool tcp)
    {
        // Act
        var soa = await AskAsync(tool, tcp, "other.test", "SOA");
        var ns = await AskAsync(tool, tcp, "other.test", "NS");
        var madeUp = await AskAsync(tool, tcp, "ns1.other.test", "A");

        // Assert
        AssertAnswer(soa, "NOERROR", tcp);
        Assert.Equal(new DigRecord("other.test.", 600, "IN", "SOA", "ns.other.test. admin.other.test. 2024010101 7200 900 1209600 60"),
            Assert.Single(soa.Answer));
        AssertAnswer(ns, "NOERROR", tcp);
        Assert.Equal(new DigRecord("other.test.", 600, "IN", "NS", "ns.other.test."), Assert.Single(ns.Answer));
        AssertAnswer(madeUp, "NXDOMAIN", tcp);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_UnknownName_NxDomainWithZoneSoaInAuthority(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await AskAsync(tool, tcp, "nope.example.test", "A");
        var other = await AskAsync(tool, tcp, "nope.other.test", "A");

        // Assert
        AssertAnswer(result, "NXDOMAIN", tcp);
        Assert.Empty(result.Answer);
        var soa = Assert.Single(result.Authority);
        Assert.Equal(("example.test.", "SOA", 300u), (soa.Name, soa.Type, soa.Ttl));

        // RFC 2308 §3: the negative TTL is min(SOA TTL, SOA MINIMUM) = min(600, 60).
        AssertAnswer(other, "NXDOMAIN", tcp);
        var otherSoa = Assert.Single(other.Authority);
        Assert.Equal(new DigRecord("other.test.", 60, "IN", "SOA", "ns.other.test. admin.other.test. 2024010101 7200 900 1209600 60"), otherSoa);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_KnownNameOtherType_NoDataWithSoaInAuthority(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await AskAsync(tool, tcp, "www.example.test", "MX");

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.Empty(result.Answer);
        Assert.Equal(("example.test.", "SOA"), (Assert.Single(result.Authority).Name, Assert.Single(result.Authority).Type));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_EmptyNonTerminal_NoDataNotNxDomain(DnsClientTool tool, bool tcp)
    {
        // Act: only a.b.example.test has data; b.example.test exists without any (RFC 8020).
        var result = await AskAsync(tool, tcp, "b.example.test", "A");
        var below = await AskAsync(tool, tcp, "a.b.example.test", "A");

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.Empty(result.Answer);
        Assert.Equal("SOA", Assert.Single(result.Authority).Type);
        AssertAnswer(below, "NOERROR", tcp);
        Assert.Equal("192.0.2.20", Assert.Single(below.Answer).Data);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_CnameChainInsideZone_AnswerHasChainAndTarget(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await AskAsync(tool, tcp, "alias2.example.test", "A");

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.Equal(
            [
                new DigRecord("alias2.example.test.", 300, "IN", "CNAME", "alias.example.test."),
                new DigRecord("alias.example.test.", 300, "IN", "CNAME", "www.example.test."),
                new DigRecord("www.example.test.", 300, "IN", "A", "192.0.2.1"),
            ],
            result.Answer);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_CnameAcrossZones_AnswerHasCnameAndTargetRecords(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await AskAsync(tool, tcp, "cross.example.test", "A");

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.Equal(
            [
                new DigRecord("cross.example.test.", 300, "IN", "CNAME", "host.other.test."),
                new DigRecord("host.other.test.", 600, "IN", "A", "192.0.2.30"),
            ],
            result.Answer);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_CnameTargetMissing_NxDomainWithCnamePerRfc6604(DnsClientTool tool, bool tcp)
    {
        // Act
        var inZone = await AskAsync(tool, tcp, "dangling.example.test", "A");
        var crossZone = await AskAsync(tool, tcp, "dangling-cross.example.test", "A");

        // Assert: the response code is that of the last name in the chain; the SOA is that of the target's zone.
        AssertAnswer(inZone, "NXDOMAIN", tcp);
        Assert.Equal(new DigRecord("dangling.example.test.", 300, "IN", "CNAME", "missing.example.test."), Assert.Single(inZone.Answer));
        Assert.Equal(("example.test.", "SOA"), (Assert.Single(inZone.Authority).Name, inZone.Authority[0].Type));

        AssertAnswer(crossZone, "NXDOMAIN", tcp);
        Assert.Equal("missing.other.test.", Assert.Single(crossZone.Answer).Data);
        Assert.Equal(("other.test.", "SOA"), (Assert.Single(crossZone.Authority).Name, crossZone.Authority[0].Type));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_CnameTargetOutsideZones_NoErrorWithJustTheCname(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await AskAsync(tool, tcp, "external.example.test", "A");

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.Equal(new DigRecord("external.example.test.", 300, "IN", "CNAME", "www.outside.invalid."), Assert.Single(result.Answer));
        Assert.Empty(result.Authority);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_CnameLoop_TerminatesWithBoundedChain(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await AskAsync(tool, tcp, "loop1.example.test", "A");

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.NotEmpty(result.Answer);
        Assert.InRange(result.Answer.Count, 2, 8);
        Assert.All(result.Answer, r => Assert.Equal("CNAME", r.Type));
        Assert.Equal("loop1.example.test.", result.Answer[0].Name);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_Any_AnsweredWithOneRRset(DnsClientTool tool, bool tcp)
    {
        // Act: www has A and AAAA, the apex has SOA, NS, A, AAAA, MX, TXT.
        var www = await AskAsync(tool, tcp, "www.example.test", "ANY");
        var apex = await AskAsync(tool, tcp, "example.test", "ANY");

        // Assert (RFC 8482 §4.2: one RRset is enough)
        AssertAnswer(www, "NOERROR", tcp);
        Assert.Single(www.Answer.Select(r => r.Type).Distinct());
        AssertAnswer(apex, "NOERROR", tcp);
        Assert.NotEmpty(apex.Answer);
        Assert.Single(apex.Answer.Select(r => r.Type).Distinct());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Query_MixedCaseName_QuestionCasePreserved(bool tcp)
    {
        // Act (DNS 0x20: resolvers check that the question comes back exactly as sent). kdig lowercases the name it
        // sends, so only dig and a raw query can show this.
        var result = await AskAsync(DnsClientTool.Dig, tcp, "wWw.ExAmPlE.test", "A");
        byte[] query = RawDns.QueryBytes("wWw.ExAmPlE.test", DnsRecordType.A);
        var raw = tcp
            ? await RawDns.TcpQueryAsync(fixture.Server.EndPoint, query)
            : await RawDns.UdpQueryAsync(fixture.Server.EndPoint, query);

        // Assert
        AssertAnswer(result, "NOERROR", tcp);
        Assert.Equal("wWw.ExAmPlE.test.", result.QuestionName);
        Assert.Equal("192.0.2.1", Assert.Single(result.Answer).Data);
        Assert.Equal("www.example.test.", result.Answer[0].Name, ignoreCase: true);
        Assert.Equal("wWw.ExAmPlE.test.", Assert.Single(raw.Questions).Name.ToString());
        Assert.Single(raw.Answers);
    }

    [Fact]
    public async Task Query_Axfr_Refused()
    {
        // Act
        var raw = await RawDns.TcpQueryAsync(fixture.Server.EndPoint, RawDns.QueryBytes("example.test", DnsRecordType.AXFR));
        var dig = await DnsTools.DigAsync(fixture.Server.EndPoint, "example.test", "AXFR");

        // Assert
        Assert.True(raw.IsResponse);
        Assert.Equal(DnsResponseCode.Refused, raw.ResponseCode);
        Assert.Empty(raw.Answers);
        Assert.Contains("Transfer failed", dig.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\tSOA\t", dig.Output, StringComparison.Ordinal);
    }

    private Task<DigResult> AskAsync(DnsClientTool tool, bool tcp, string name, string type) =>
        DnsTools.QueryAsync(tool, fixture.Server.EndPoint, name, type, tcp);

    private static void AssertAnswer(DigResult result, string status, bool tcp)
    {
        Assert.True(result.Status == status, $"Expected {status}, got {result.Describe()}\n{result}");
        Assert.True(result.HasFlag("qr") && result.HasFlag("aa"), $"Expected qr and aa:\n{result}");
        Assert.False(result.HasFlag("tc"), $"Unexpected TC:\n{result}");
        Assert.False(result.HasFlag("ra"), $"An authoritative-only server does not offer recursion:\n{result}");
        Assert.True(result.Transport == (tcp ? "TCP" : "UDP"), $"Expected the answer over {(tcp ? "TCP" : "UDP")}:\n{result}");
    }
}

using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// EDNS0 (RFC 6891), truncation and Client Subnet (RFC 7871) as dig and kdig see them. The server advertises and
/// honours at most 1232 octets over UDP (<c>Dns:MaxUdpPayload</c>); <c>big.example.test</c> has 100 A records,
/// about 1,650 octets of answer.
/// </summary>
public sealed class EdnsDigTests(AuthoritativeServerFixture fixture) : IClassFixture<AuthoritativeServerFixture>
{
    public static TheoryData<DnsClientTool, bool> Clients => AuthoritativeDigTests.Clients;

    public static TheoryData<DnsClientTool> Tools => new() { DnsClientTool.Dig, DnsClientTool.Kdig };

    /// <summary>Client Subnet option data (RFC 7871 §6: FAMILY, SOURCE, SCOPE, ADDRESS) that must be FORMERR (§7.1.2).</summary>
    public static TheoryData<string, byte[]> MalformedClientSubnets => new()
    {
        { "scope prefix length set in a query", [0, 1, 24, 8, 192, 0, 2] },
        { "address longer than the source prefix needs", [0, 1, 24, 0, 192, 0, 2, 0] },
        { "address shorter than the source prefix needs", [0, 1, 24, 0, 192, 0] },
        { "unknown family 3", [0, 3, 8, 0, 10] },
        { "IPv4 source prefix longer than 32", [0, 1, 33, 0, 192, 0, 2, 1, 0] },
        { "address bits set beyond the source prefix", [0, 1, 20, 0, 192, 0, 0x0F] },
        { "option shorter than its fixed part", [0, 1] },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_WithEdns_ResponseCarriesOptWith1232(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "www.example.test", "A", tcp, "+edns=0");

        // Assert
        Assert.True(result.Status == "NOERROR", result.ToString());
        Assert.True(result.HasOpt, result.ToString());
        Assert.Equal(1232, result.EdnsUdpSize);
        Assert.Equal(1, result.AdditionalCount);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_WithoutEdns_ResponseHasNoOpt(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "www.example.test", "A", tcp, "+noedns");

        // Assert
        Assert.True(result.Status == "NOERROR", result.ToString());
        Assert.False(result.HasOpt, result.ToString());
        Assert.Equal(0, result.AdditionalCount);
        Assert.Single(result.Answer);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Query_EdnsVersion1_BadVersWithVersion0(DnsClientTool tool)
    {
        // Act (dig would otherwise retry with version 0 and print that answer)
        string[] options = tool == DnsClientTool.Dig ? ["+edns=1", "+noednsnegotiation"] : ["+edns=1"];
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "www.example.test", "A", tcp: false, options);

        // Assert (RFC 6891 §6.1.3)
        Assert.True(result.Status == "BADVERS", result.ToString());
        Assert.True(result.HasOpt, result.ToString());
        Assert.Contains(tool == DnsClientTool.Dig ? "EDNS: version: 0" : "Version: 0", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Answer);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Query_LargeRRsetOverUdpWithoutEdns_TruncatedWithTc(DnsClientTool tool)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "big.example.test", "A", tcp: false, "+noedns", "+ignore");

        // Assert (RFC 2181 §9: the question only, TC set)
        Assert.True(result.Status == "NOERROR", result.ToString());
        Assert.True(result.HasFlag("tc") && result.HasFlag("aa"), result.ToString());
        Assert.Equal(0, result.AnswerCount);
        Assert.InRange(result.MessageSize ?? int.MaxValue, 12, 512);
        Assert.Equal("UDP", result.Transport);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Query_LargeRRsetTruncated_ClientRetriesOverTcpAndGetsAll(DnsClientTool tool)
    {
        // Act: without +ignore both clients retry a truncated answer over TCP.
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "big.example.test", "A", tcp: false, "+noedns");

        // Assert
        Assert.True(result.Status == "NOERROR", result.ToString());
        Assert.False(result.HasFlag("tc"), result.ToString());
        Assert.Equal("TCP", result.Transport);
        Assert.Equal(TestZones.BigRRsetSize, result.Answers("A").Count);
        Assert.Equal(TestZones.BigRRsetSize, result.Answer.Select(r => r.Data).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Query_LargeRRsetWithBufsize4096_StillTruncatedAtServerMaximum(DnsClientTool tool)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "big.example.test", "A", tcp: false, "+bufsize=4096", "+ignore");

        // Assert: the client may take 4096 octets but the server sends at most MaxUdpPayload (1232).
        Assert.True(result.HasFlag("tc"), result.ToString());
        Assert.True(result.HasOpt, result.ToString());
        Assert.Equal(1232, result.EdnsUdpSize);
        Assert.InRange(result.MessageSize ?? int.MaxValue, 12, 1232);
    }

    [Fact]
    public async Task Query_LargeRRsetRawUdpWithEdns4096_ResponseAtMost1232OctetsWithTc()
    {
        // Arrange
        var query = RawDns.Query("big.example.test", DnsRecordType.A, id: 0x4242);
        query.Edns = new DnsEdns { UdpPayloadSize = 4096 };

        // Act
        byte[]? response = await RawDns.UdpExchangeAsync(fixture.Server.EndPoint, query.ToArray());

        // Assert
        Assert.NotNull(response);
        Assert.InRange(response.Length, 12, 1232);
        var message = RawDns.Parse(response);
        Assert.True(message.IsTruncated);
        Assert.Empty(message.Answers);
        Assert.NotNull(message.Edns);
        Assert.Equal(1232, message.Edns.UdpPayloadSize);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Query_LargeRRsetOverTcp_AllRecords(DnsClientTool tool)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "big.example.test", "A", tcp: true);

        // Assert
        Assert.True(result.Status == "NOERROR", result.ToString());
        Assert.False(result.HasFlag("tc"));
        Assert.Equal(TestZones.BigRRsetSize, result.Answers("A").Count);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_ClientSubnet_EchoedWithScopePrefixLength(DnsClientTool tool, bool tcp)
    {
        // Act
        var v4 = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "www.example.test", "A", tcp, "+subnet=192.0.2.0/24");
        var v6 = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "www.example.test", "A", tcp, "+subnet=2001:db8:1::/48");

        // Assert (RFC 7871 §7.2.1: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS echoed; static zones do not depend on
        // the client, so SCOPE PREFIX-LENGTH is 0)
        Assert.True(v4.Status == "NOERROR", v4.ToString());
        Assert.Equal("192.0.2.0/24/0", v4.ClientSubnet);
        Assert.True(v6.Status == "NOERROR", v6.ToString());
        Assert.Equal("2001:db8:1::/48/0", v6.ClientSubnet);
    }

    [Theory]
    [MemberData(nameof(MalformedClientSubnets))]
    public async Task Query_MalformedClientSubnet_FormErr(string description, byte[] optionData)
    {
        // Arrange
        var query = RawDns.Query("www.example.test", DnsRecordType.A, id: 0x0ECC);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, optionData)] };
        byte[] packet = query.ToArray();

        // Act
        byte[]? response = await RawDns.UdpExchangeAsync(fixture.Server.EndPoint, packet);

        // Assert (RFC 7871 §7.1.2)
        Assert.True(response is not null, $"No response to a query with {description}.");
        Assert.True(DnsHeader.TryRead(response, out var header));
        Assert.Equal(0x0ECC, header.Id);
        Assert.True(header.IsResponse);
        Assert.Equal((int)DnsResponseCode.FormatError, header.ResponseCode);
        Assert.Equal(0, header.AnswerCount);
    }
}

using System.Net;
using ARSoft.Tools.Net;
using Router.Dns;
using Router.Testing.Dns;

namespace Router.Testing.Tests.Dns;

/// <summary>The cross-check helper itself: it passes what both implementations read alike and catches every kind of difference.</summary>
public sealed class ArsoftCrossCheckTests
{
    [Fact]
    public void Parse_ResponseBothRead_ReturnsRouterModelAndCounts()
    {
        // Arrange
        byte[] wire = Response().ToArray();
        int before = ArsoftCrossCheck.CheckedCount;

        // Act
        var message = ArsoftCrossCheck.Parse(wire);

        // Assert
        Assert.Equal(0x4242, message.Id);
        Assert.Equal(2, message.Answers.Count);
        Assert.True(ArsoftCrossCheck.CheckedCount > before);
    }

    [Fact]
    public void Parse_MessageRouterCannotRead_ThrowsWithOctets()
    {
        // Arrange: the response with one octet too many (RFC 1035 §4.1: nothing follows the last record).
        byte[] wire = [.. Response().ToArray(), 0];

        // Act
        var exception = Assert.Throws<DnsCrossCheckException>(() => ArsoftCrossCheck.Parse(wire));

        // Assert
        Assert.Contains("Router.Dns cannot read", exception.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexString(wire), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MessageArsoftCannotRead_Throws()
    {
        // Arrange: a 255-octet question name of 127 one-octet labels, more labels than ARSoft.Tools.Net reads.
        var message = new DnsMessage { Id = 1 };
        message.Questions.Add(new DnsQuestion(DnsName.Parse(string.Concat(Enumerable.Repeat("a.", 127))), DnsRecordType.A));

        // Act
        var exception = Assert.Throws<DnsCrossCheckException>(() => ArsoftCrossCheck.Parse(message.ToArray()));

        // Assert
        Assert.Contains("ARSoft.Tools.Net cannot read", exception.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Action<DnsMessage>, string> Differences => new()
    {
        { "AA flag", m => m.IsAuthoritative = false, "header AA" },
        { "RCODE", m => m.ResponseCode = DnsResponseCode.NameError, "RCODE" },
        { "question type", m => m.Questions[0] = m.Questions[0] with { Type = DnsRecordType.AAAA }, "question 0" },
        { "owner name", m => m.Answers[0] = m.Answers[0] with { Name = DnsName.Parse("ftp.example.test.") }, "owner name" },
        { "TTL", m => m.Answers[0] = m.Answers[0] with { Ttl = 61 }, "TTL" },
        { "address", m => m.Answers[0] = m.Answers[0] with { Data = new AddressRecordData(IPAddress.Parse("192.0.2.9")) }, "address" },
        { "TXT string", m => m.Answers[1] = m.Answers[1] with { Data = new TxtRecordData([[.. "hellO"u8]]) }, "TXT strings" },
        { "missing record", m => m.Answers.RemoveAt(1), "answer section" },
        { "OPT version", m => m.Edns = new DnsEdns { Version = 1, Options = m.Edns!.Options }, "OPT version" },
        { "ECS scope", m => m.Edns = new DnsEdns { Options = [new EdnsOption(8, [0, 1, 24, 16, 198, 51, 100])] }, "ECS scope prefix" },
        { "no OPT", m => m.Edns = null, "OPT presence" },
    };

    [Theory]
    [MemberData(nameof(Differences))]
    public void FindDifference_ContentDiffers_ReportsWhat(string description, Action<DnsMessage> change, string expected)
    {
        // Arrange: ARSoft reads the response; Router.Dns's model of it is changed in one place.
        var theirs = ArsoftCrossCheck.ParseWithArsoft(Response().ToArray());
        var ours = Response();
        change(ours);

        // Act
        string? difference = ArsoftComparison.FindDifference(ours, theirs);

        // Assert
        Assert.True(difference?.Contains(expected, StringComparison.Ordinal) == true, $"{description}: {difference ?? "no difference found"}");
    }

    [Fact]
    public void FindDifference_NamesInOtherCase_None()
    {
        // Arrange: RFC 4343 §3: names compare case-insensitively.
        var theirs = ArsoftCrossCheck.ParseWithArsoft(Response().ToArray());
        var ours = Response();
        ours.Answers[0] = ours.Answers[0] with { Name = DnsName.Parse("WWW.Example.TEST.") };

        // Act
        string? difference = ArsoftComparison.FindDifference(ours, theirs);

        // Assert
        Assert.Null(difference);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9 }, "caf?", true)]
    [InlineData(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9 }, "cafe", false)]
    [InlineData(new byte[] { (byte)'c', (byte)'a', (byte)'f', (byte)'?' }, "caf?", true)]
    [InlineData(new byte[] { (byte)'C', (byte)'A', (byte)'F' }, "caf", true)]
    public void NamesAgree_OneLabel_OnlyOctetsAbove7FMatchQuestionMark(byte[] label, string arsoftLabel, bool agree)
    {
        // Arrange
        Assert.True(DnsName.TryFromWire([(byte)label.Length, .. label, 0], out var ours));

        // Act
        bool result = ArsoftComparison.NamesAgree(ours, new DomainName([arsoftLabel]));

        // Assert
        Assert.Equal(agree, result);
    }

    /// <summary>www.example.test. A 192.0.2.1 and TXT "hello", with OPT and a Client Subnet echo of 198.51.100.0/24 scope 24.</summary>
    private static DnsMessage Response()
    {
        var name = DnsName.Parse("www.example.test.");
        var message = new DnsMessage { Id = 0x4242, IsResponse = true, IsAuthoritative = true, RecursionDesired = true };
        message.Questions.Add(new DnsQuestion(name, DnsRecordType.A));
        message.Answers.Add(new DnsRecord(name, DnsRecordType.A, DnsClass.IN, 60, new AddressRecordData(IPAddress.Parse("192.0.2.1"))));
        message.Answers.Add(new DnsRecord(name, DnsRecordType.TXT, DnsClass.IN, 60, new TxtRecordData([[.. "hello"u8]])));
        message.Edns = new DnsEdns { Options = [new EdnsOption(8, [0, 1, 24, 24, 198, 51, 100])] };
        return message;
    }
}

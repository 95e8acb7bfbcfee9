using CsCheck;
using Router.Dns.Tests.Generators;

namespace Router.Dns.Tests;

/// <summary>
/// Property tests of the codec: any message Router.Dns models (RFC 1035 §4.1, EDNS per RFC 6891 §6.1), written and read
/// back, is the same message, with name compression (RFC 1035 §4.1.4) and without. Generators:
/// <see cref="DnsMessageGenerators"/> with <see cref="DnsGeneratorProfile.RoundTrip"/>. A failure prints its CsCheck
/// seed (see <see cref="PropertyRuns"/> to replay it).
/// </summary>
public sealed class DnsMessageRoundTripPropertyTests
{
    private const long Cases = 10_000;

    [Fact]
    public void TryWriteThenTryRead_AnyMessageCompressed_SameMessageAndSameOctetsWrittenAgain()
    {
        DnsMessageGenerators.Message(DnsGeneratorProfile.RoundTrip).Sample(message =>
        {
            // Act
            byte[] wire = message.ToArray();
            var error = DnsMessage.TryRead(wire, out var read);

            // Assert: names compare case-insensitively (RFC 4343 §3): a compressed suffix takes the case of the
            // earlier name it points to.
            Assert.Equal(DnsParseError.None, error);
            DnsMessageEquivalence.AssertEquivalent(message, read!);
            Assert.Equal(wire, read!.ToArray());
        }, iter: PropertyRuns.Iterations(Cases), print: PropertyRuns.Describe);
    }

    [Fact]
    public void TryWriteThenTryRead_AnyMessageUncompressed_SameMessageNamesOctetForOctetNoPointers()
    {
        DnsMessageGenerators.Message(DnsGeneratorProfile.RoundTrip).Sample(message =>
        {
            // Act
            byte[] wire = message.ToArray(compression: false);
            var error = DnsMessage.TryRead(wire, out var read);

            // Assert
            Assert.Equal(DnsParseError.None, error);
            DnsMessageEquivalence.AssertEquivalent(message, read!);
            Assert.Equal(NamesOf(message).Select(n => Convert.ToHexString(n.Wire)), NamesOf(read!).Select(n => Convert.ToHexString(n.Wire)));
            // Every name at full length: a single pointer would make the message shorter.
            Assert.Equal(DnsMessageGenerators.UncompressedLength(message), wire.Length);
            Assert.Equal(wire, read!.ToArray(compression: false));
        }, iter: PropertyRuns.Iterations(Cases), print: PropertyRuns.Describe);
    }

    /// <summary>Every name of the message, in order: questions, then each record's owner and the names in its data.</summary>
    private static IEnumerable<DnsName> NamesOf(DnsMessage message)
    {
        foreach (var question in message.Questions)
        {
            yield return question.Name;
        }

        foreach (var record in message.Answers.Concat(message.Authorities).Concat(message.Additionals))
        {
            yield return record.Name;
            switch (record.Data)
            {
                case NameRecordData n:
                    yield return n.Target;
                    break;
                case MxRecordData mx:
                    yield return mx.Exchange;
                    break;
                case SrvRecordData srv:
                    yield return srv.Target;
                    break;
                case SoaRecordData soa:
                    yield return soa.PrimaryServer;
                    yield return soa.ResponsibleMailbox;
                    break;
            }
        }
    }
}

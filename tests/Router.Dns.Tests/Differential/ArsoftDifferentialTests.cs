using CsCheck;
using Router.Dns.Tests.Generators;
using Router.Testing.Dns;

namespace Router.Dns.Tests.Differential;

/// <summary>
/// Differential tests against ARSoft.Tools.Net, an independent implementation: messages Router.Dns writes read the
/// same in ARSoft.Tools.Net, and messages ARSoft.Tools.Net builds and encodes read the same in Router.Dns
/// (<see cref="ArsoftComparison"/>: header, every section, OPT, ECS). 105,000 generated messages per run by default:
/// names with compression, every record type Router.Dns models, unknown types, EDNS options. The generators step
/// around the disagreements <see cref="KnownDisagreementsTests"/> documents (see <see cref="DnsGeneratorProfile"/>). A
/// failure prints its CsCheck seed (see <see cref="PropertyRuns"/> to replay it).
/// </summary>
public sealed class ArsoftDifferentialTests
{
    private const long RouterToArsoftCases = 55_000;
    private const long ArsoftToRouterCases = 50_000;

    [Fact]
    public void TryWrite_AnyMessageReadByArsoft_SameContent()
    {
        DnsMessageGenerators.Message(DnsGeneratorProfile.RouterToArsoft).Sample(message =>
        {
            // Act
            byte[] wire = message.ToArray();
            var theirs = ArsoftCrossCheck.ParseWithArsoft(wire);

            // Assert: ARSoft reads what Router.Dns meant to write (that Router.Dns reads it back as that message too is
            // DnsMessageRoundTripPropertyTests' property).
            string? difference = ArsoftComparison.FindDifference(message, theirs);
            Assert.True(difference is null, $"{difference} Octets: {Convert.ToHexString(wire)}");
        }, iter: PropertyRuns.Iterations(RouterToArsoftCases), print: PropertyRuns.Describe);
    }

    [Fact]
    public async Task TryRead_AnyMessageWrittenByArsoft_SameContent()
    {
        using var encoder = new ArsoftWireEncoder();
        var cases = Gen.Select(DnsMessageGenerators.Message(DnsGeneratorProfile.ArsoftToRouter), Gen.Int[0, 40]);

        await cases.SampleAsync(async (message, optIndex) =>
        {
            // Arrange
            var theirs = ArsoftMessageBuilder.Build(message, optIndex);
            byte[] wire = await encoder.EncodeAsync(theirs);

            // Act
            var error = DnsMessage.TryRead(wire, out var ours);

            // Assert: Router.Dns reads what ARSoft built, which is the message generated.
            Assert.True(error == DnsParseError.None, $"Router.Dns cannot read ARSoft's octets: {error.Describe()}. Octets: {Convert.ToHexString(wire)}");
            string? difference = ArsoftComparison.FindDifference(ours!, theirs);
            Assert.True(difference is null, $"{difference} Octets: {Convert.ToHexString(wire)}");
            DnsMessageEquivalence.AssertEquivalent(message, ours!);
        }, iter: PropertyRuns.Iterations(ArsoftToRouterCases), print: c => $"OPT index {c.Item2}\n{PropertyRuns.Describe(c.Item1)}");
    }
}

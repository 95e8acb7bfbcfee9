using System.Globalization;
using System.Text;

namespace Router.Dns.Tests.Generators;

/// <summary>
/// How the property tests run and report. Each test runs a fixed number of cases by default; <c>CsCheck_Iter</c> in
/// the environment overrides it. A failure prints the CsCheck seed of the smallest failing case; run
/// <c>CsCheck_Seed=SEED dotnet test tests/Router.Dns.Tests --filter "FullyQualifiedName~TEST"</c> to replay it first.
/// </summary>
internal static class PropertyRuns
{
    /// <summary><paramref name="defaultCount"/>, or <c>CsCheck_Iter</c> when it is set.</summary>
    public static long Iterations(long defaultCount) =>
        long.TryParse(Environment.GetEnvironmentVariable("CsCheck_Iter"), NumberStyles.None, CultureInfo.InvariantCulture, out long count)
            ? count
            : defaultCount;

    /// <summary>A failing message as CsCheck prints it: the header, every record, and the octets Router.Dns writes.</summary>
    public static string Describe(DnsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"id {message.Id} qr {message.IsResponse} opcode {(int)message.OpCode} aa {message.IsAuthoritative} tc {message.IsTruncated} ")
            .Append(CultureInfo.InvariantCulture,
            $"rd {message.RecursionDesired} ra {message.RecursionAvailable} ad {message.AuthenticData} cd {message.CheckingDisabled} rcode {(int)message.ResponseCode}\n");
        foreach (var question in message.Questions)
        {
            text.Append(CultureInfo.InvariantCulture, $"Q  {question.Name} {(ushort)question.Class} {(ushort)question.Type}\n");
        }

        foreach (var (section, records) in new[] { ("AN", message.Answers), ("NS", message.Authorities), ("AR", message.Additionals) })
        {
            foreach (var record in records)
            {
                text.Append(CultureInfo.InvariantCulture, $"{section} {record}\n");
            }
        }

        if (message.Edns is { } edns)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"OPT udp {edns.UdpPayloadSize} ext {edns.ExtendedResponseCode} version {edns.Version} do {edns.DnssecOk} options ")
                .AppendJoin(' ', edns.Options.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Code}:{Convert.ToHexString(o.Data)}")))
                .Append('\n');
        }

        var buffer = new byte[DnsLimits.MaxMessageLength];
        return message.TryWrite(buffer, out int written)
            ? text.Append("octets ").Append(Convert.ToHexString(buffer, 0, written)).ToString()
            : text.Append("(does not fit in 65,535 octets)").ToString();
    }
}

using Router.Dns;
using Ar = ARSoft.Tools.Net.Dns;

namespace Router.Testing.Dns;

/// <summary>
/// Reads a DNS message twice, with Router.Dns and with ARSoft.Tools.Net as an independent implementation, and fails
/// unless both read it and agree on its content (see <see cref="ArsoftComparison"/>). The test helpers that obtain
/// responses from the server under test route every response through <see cref="Parse(ReadOnlySpan{byte})"/>, so no
/// test can forget the check. Thread-safe.
/// </summary>
/// <remarks>
/// The agreement is content, not octets: both sides may compress names differently, and ARSoft.Tools.Net reads
/// octets above 0x7F in labels and character-strings as '?' (the comparison allows that one known limitation; see
/// <c>KnownDisagreementsTests</c> in tests/Router.Dns.Tests). A response that a test makes malformed on purpose must
/// not be passed here.
/// </remarks>
public static class ArsoftCrossCheck
{
    private static int s_checked;

    /// <summary>How many messages this process has cross-checked so far, successfully.</summary>
    public static int CheckedCount => Volatile.Read(ref s_checked);

    /// <summary>
    /// Reads <paramref name="wire"/> with both implementations and returns Router.Dns's model of it.
    /// </summary>
    /// <exception cref="DnsCrossCheckException">
    /// Router.Dns cannot read the message, ARSoft.Tools.Net cannot read it, or they read different content.
    /// </exception>
    public static DnsMessage Parse(ReadOnlySpan<byte> wire)
    {
        var error = DnsMessage.TryRead(wire, out var ours);
        if (error != DnsParseError.None)
        {
            throw new DnsCrossCheckException($"Router.Dns cannot read the message: {error.Describe()}.", wire);
        }

        var theirs = ParseWithArsoft(wire);
        if (!DnsHeader.TryRead(wire, out var header) ||
            header.QuestionCount != theirs.Questions.Count || header.AnswerCount != theirs.AnswerRecords.Count ||
            header.AuthorityCount != theirs.AuthorityRecords.Count ||
            header.AdditionalCount != theirs.AdditionalRecords.Count + (theirs.TSigOptions is null ? 0 : 1))
        {
            throw new DnsCrossCheckException("ARSoft.Tools.Net read other section counts than the header announces.", wire);
        }

        string? difference = ArsoftComparison.FindDifference(ours!, theirs);
        if (difference is not null)
        {
            throw new DnsCrossCheckException($"Router.Dns and ARSoft.Tools.Net disagree: {difference}.", wire);
        }

        Interlocked.Increment(ref s_checked);
        return ours!;
    }

    /// <summary>Reads <paramref name="wire"/> with ARSoft.Tools.Net; any exception it throws becomes a <see cref="DnsCrossCheckException"/>.</summary>
    public static Ar.DnsMessage ParseWithArsoft(ReadOnlySpan<byte> wire)
    {
        try
        {
            return Ar.DnsMessage.Parse(new ArraySegment<byte>(wire.ToArray()));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or
                                   NotSupportedException or InvalidCastException or OverflowException)
        {
            throw new DnsCrossCheckException($"ARSoft.Tools.Net cannot read the message: {ex.GetType().Name}: {ex.Message}", wire, ex);
        }
    }
}

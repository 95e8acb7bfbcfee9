using System.Globalization;
using System.Text.RegularExpressions;

namespace Router.Testing.Dns;

/// <summary>
/// What dig or kdig printed, parsed: the last response's header, flags, counts, sections and EDNS pseudo-section.
/// Both tools' formats are understood (dig: <c>status: X,</c>; kdig: <c>status: X;</c>).
/// </summary>
public sealed partial class DigResult
{
    private DigResult(string command, string output, string errors, int exitCode)
    {
        Command = command;
        Output = output;
        Errors = errors;
        ExitCode = exitCode;
    }

    public string Command { get; }

    public string Output { get; }

    public string Errors { get; }

    public int ExitCode { get; }

    /// <summary>The response code as the tool names it (NOERROR, NXDOMAIN, BADVERS...), or null when no answer was printed.</summary>
    public string? Status { get; private set; }

    public string? OpCode { get; private set; }

    public int Id { get; private set; }

    public IReadOnlySet<string> Flags { get; private set; } = new HashSet<string>();

    public int QueryCount { get; private set; }

    public int AnswerCount { get; private set; }

    public int AuthorityCount { get; private set; }

    public int AdditionalCount { get; private set; }

    /// <summary>The question name exactly as printed (case preserved).</summary>
    public string? QuestionName { get; private set; }

    public List<DigRecord> Answer { get; } = [];

    public List<DigRecord> Authority { get; } = [];

    public List<DigRecord> Additional { get; } = [];

    /// <summary>Whether the response carried an OPT record (the EDNS/OPT pseudo-section was printed).</summary>
    public bool HasOpt { get; private set; }

    /// <summary>The UDP payload size the server advertised in OPT.</summary>
    public int? EdnsUdpSize { get; private set; }

    /// <summary>The Client Subnet option as printed, e.g. <c>192.0.2.0/24/0</c>.</summary>
    public string? ClientSubnet { get; private set; }

    /// <summary>The transport the printed answer came over, from the trailer (<c>UDP</c> or <c>TCP</c>).</summary>
    public string? Transport { get; private set; }

    /// <summary>The size of the response as the tool reports it (dig: <c>MSG SIZE rcvd</c>, kdig: <c>Received N B</c>).</summary>
    public int? MessageSize { get; private set; }

    public bool HasFlag(string flag) => Flags.Contains(flag);

    /// <summary>A text for assertion messages: the command and everything it printed.</summary>
    public override string ToString() => $"$ {Command} (exit {ExitCode})\n{Output}{(Errors.Length > 0 ? "\n[stderr] " + Errors : string.Empty)}";

    public static DigResult Parse(string command, string output, string errors, int exitCode)
    {
        var result = new DigResult(command, output, errors, exitCode);

        // dig prints a first, truncated answer before retrying over TCP: the last header is the answer that counts.
        int start = output.LastIndexOf("->>HEADER<<-", StringComparison.Ordinal);
        if (start < 0)
        {
            return result;
        }

        int lineStart = output.LastIndexOf('\n', start) + 1;
        string[] lines = output[lineStart..].Split('\n');
        List<DigRecord>? section = null;
        bool inQuestion = false;
        foreach (string raw in lines)
        {
            string line = raw.TrimEnd('\r');
            var header = HeaderPattern().Match(line);
            if (header.Success)
            {
                result.OpCode = header.Groups[1].Value;
                result.Status = header.Groups[2].Value;
                result.Id = int.Parse(header.Groups[3].Value, CultureInfo.InvariantCulture);
                continue;
            }

            var flags = FlagsPattern().Match(line);
            if (flags.Success)
            {
                result.Flags = flags.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                result.QueryCount = int.Parse(flags.Groups[2].Value, CultureInfo.InvariantCulture);
                result.AnswerCount = int.Parse(flags.Groups[3].Value, CultureInfo.InvariantCulture);
                result.AuthorityCount = int.Parse(flags.Groups[4].Value, CultureInfo.InvariantCulture);
                result.AdditionalCount = int.Parse(flags.Groups[5].Value, CultureInfo.InvariantCulture);
                continue;
            }

            if (line.Contains("OPT PSEUDOSECTION", StringComparison.Ordinal) || line.Contains("EDNS PSEUDOSECTION", StringComparison.Ordinal))
            {
                result.HasOpt = true;
                section = null;
                inQuestion = false;
                continue;
            }

            var udp = UdpSizePattern().Match(line);
            if (result.HasOpt && result.EdnsUdpSize is null && udp.Success)
            {
                result.EdnsUdpSize = int.Parse(udp.Groups[1].Value, CultureInfo.InvariantCulture);
                continue;
            }

            var subnet = SubnetPattern().Match(line);
            if (subnet.Success)
            {
                result.ClientSubnet = subnet.Groups[1].Value;
                continue;
            }

            var size = SizePattern().Match(line);
            if (size.Success)
            {
                result.MessageSize = int.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture);
                continue;
            }

            var transport = TransportPattern().Match(line);
            if (transport.Success && line.StartsWith(";;", StringComparison.Ordinal) &&
                (line.Contains("SERVER:", StringComparison.Ordinal) || line.Contains("From ", StringComparison.Ordinal)))
            {
                result.Transport = transport.Groups[1].Value;
                continue;
            }

            if (line.StartsWith(";; QUESTION SECTION:", StringComparison.Ordinal))
            {
                inQuestion = true;
                section = null;
                continue;
            }

            if (line.StartsWith(";; ANSWER SECTION:", StringComparison.Ordinal))
            {
                section = result.Answer;
                inQuestion = false;
                continue;
            }

            if (line.StartsWith(";; AUTHORITY SECTION:", StringComparison.Ordinal))
            {
                section = result.Authority;
                inQuestion = false;
                continue;
            }

            if (line.StartsWith(";; ADDITIONAL SECTION:", StringComparison.Ordinal))
            {
                section = result.Additional;
                inQuestion = false;
                continue;
            }

            if (line.Length == 0)
            {
                section = null;
                inQuestion = false;
                continue;
            }

            if (inQuestion && line.StartsWith(';') && result.QuestionName is null)
            {
                string question = line.TrimStart(';', ' ');
                result.QuestionName = question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
                continue;
            }

            if (section is not null && !line.StartsWith(';'))
            {
                string[] fields = line.Split((char[]?)null, 5, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 5 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint ttl))
                {
                    section.Add(new DigRecord(fields[0], ttl, fields[2], fields[3], fields[4].Trim()));
                }
            }
        }

        return result;
    }

    /// <summary>The records of <paramref name="type"/> in the answer section.</summary>
    public IReadOnlyList<DigRecord> Answers(string type) => [.. Answer.Where(r => r.Type == type)];

    /// <summary>A compact one-line description for assertion messages.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Status} [{string.Join(' ', Flags)}] an={AnswerCount} ns={AuthorityCount} ar={AdditionalCount}");

    [GeneratedRegex(@"->>HEADER<<- opcode: (\w+)[,;] status: (\w+)[,;] id: (\d+)")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^;; [Ff]lags: ?([a-z ]*); QUERY: (\d+)[,;] ANSWER: (\d+)[,;] AUTHORITY: (\d+)[,;] ADDITIONAL: (\d+)")]
    private static partial Regex FlagsPattern();

    [GeneratedRegex(@"(?:udp: |UDP size: )(\d+)")]
    private static partial Regex UdpSizePattern();

    [GeneratedRegex(@"CLIENT-SUBNET: (\S+)")]
    private static partial Regex SubnetPattern();

    [GeneratedRegex(@"^;; (?:MSG SIZE\s+rcvd: |Received )(\d+)")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"\((TCP|UDP)\)")]
    private static partial Regex TransportPattern();
}

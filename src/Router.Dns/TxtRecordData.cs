using System.Globalization;
using System.Text;

namespace Router.Dns;

/// <summary>TXT data: one or more character-strings of at most 255 octets each (RFC 1035 §3.3.14).</summary>
public sealed class TxtRecordData : DnsRecordData
{
    public TxtRecordData(IReadOnlyList<byte[]> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        if (strings.Count == 0 || strings.Any(s => s.Length > 255))
        {
            throw new ArgumentException("TXT data is one or more strings of at most 255 octets.", nameof(strings));
        }

        Strings = strings;
    }

    public IReadOnlyList<byte[]> Strings { get; }

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        foreach (byte[] s in Strings)
        {
            if (!writer.TryWriteByte((byte)s.Length) || !writer.TryWriteBytes(s))
            {
                writer.Rewind(mark);
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(' ', Strings.Select(s => Quote(s)));

    private static string Quote(ReadOnlySpan<byte> text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (byte b in text)
        {
            if (b is (byte)'"' or (byte)'\\')
            {
                builder.Append('\\').Append((char)b);
            }
            else if (b is < 0x20 or >= 0x7F)
            {
                builder.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.Append('"').ToString();
    }
}

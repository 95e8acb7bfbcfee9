using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Router.Dns;

/// <summary>
/// The RDATA of a resource record. One subclass per shape; types without a subclass keep their octets
/// (<see cref="UnknownRecordData"/>, RFC 3597).
/// </summary>
public abstract class DnsRecordData
{
    /// <summary>Writes the RDATA (not its length). Returns <see langword="false"/>, writing nothing, when it does not fit.</summary>
    public abstract bool TryWrite(ref DnsWireWriter writer);

    /// <summary>The presentation (zone-file) form of the data.</summary>
    public abstract override string ToString();

    // RFC 1035 §3.3 and §3.4, RFC 3596 §2.2 (AAAA), RFC 2782 (SRV), RFC 3597 (unknown types).
    /// <summary>
    /// Reads the RDATA of a record of <paramref name="type"/> that occupies <paramref name="length"/> octets at
    /// <paramref name="offset"/> of <paramref name="message"/>. Names inside may be compressed and point anywhere
    /// earlier in the message.
    /// </summary>
    public static DnsParseError TryRead(DnsRecordType type, ReadOnlySpan<byte> message, int offset, int length, out DnsRecordData? data)
    {
        data = null;
        if (length < 0 || message.Length - offset < length)
        {
            return DnsParseError.Truncated;
        }

        int end = offset + length;
        ReadOnlySpan<byte> rdata = message.Slice(offset, length);
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        Span<byte> name2 = stackalloc byte[DnsLimits.MaxNameLength];
        DnsParseError error;
        int nameLength;
        switch (type)
        {
            case DnsRecordType.A:
                if (length != 4)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new AddressRecordData(new IPAddress(rdata));
                return DnsParseError.None;

            case DnsRecordType.AAAA:
                if (length != 16)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new AddressRecordData(new IPAddress(rdata));
                return DnsParseError.None;

            case DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR:
                error = ReadFinalName(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                data = new NameRecordData(type, ToName(name[..nameLength]));
                return DnsParseError.None;

            case DnsRecordType.MX:
                if (!DnsWire.TryReadUInt16(message[..end], ref offset, out ushort preference))
                {
                    return DnsParseError.InvalidRecordData;
                }

                error = ReadFinalName(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                data = new MxRecordData(preference, ToName(name[..nameLength]));
                return DnsParseError.None;

            case DnsRecordType.SRV:
                if (!DnsWire.TryReadUInt16(message[..end], ref offset, out ushort priority) ||
                    !DnsWire.TryReadUInt16(message[..end], ref offset, out ushort weight) ||
                    !DnsWire.TryReadUInt16(message[..end], ref offset, out ushort port))
                {
                    return DnsParseError.InvalidRecordData;
                }

                error = ReadFinalName(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                data = new SrvRecordData(priority, weight, port, ToName(name[..nameLength]));
                return DnsParseError.None;

            case DnsRecordType.SOA:
                error = ReadNameExactly(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                error = ReadNameExactly(message, ref offset, end, name2, out int name2Length);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                if (end - offset != 20)
                {
                    return DnsParseError.InvalidRecordData;
                }

                ReadOnlySpan<byte> numbers = message.Slice(offset, 20);
                data = new SoaRecordData(ToName(name[..nameLength]), ToName(name2[..name2Length]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers), BinaryPrimitives.ReadUInt32BigEndian(numbers[4..]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers[8..]), BinaryPrimitives.ReadUInt32BigEndian(numbers[12..]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers[16..]));
                return DnsParseError.None;

            case DnsRecordType.TXT:
                // RFC 1035 §3.3.14: one or more <character-string>s.
                if (length == 0)
                {
                    return DnsParseError.InvalidRecordData;
                }

                var strings = new List<byte[]>();
                int position = 0;
                while (position < rdata.Length)
                {
                    int stringLength = rdata[position];
                    if (position + 1 + stringLength > rdata.Length)
                    {
                        return DnsParseError.InvalidRecordData;
                    }

                    strings.Add(rdata.Slice(position + 1, stringLength).ToArray());
                    position += stringLength + 1;
                }

                data = new TxtRecordData(strings);
                return DnsParseError.None;

            default:
                data = new UnknownRecordData(rdata.ToArray());
                return DnsParseError.None;
        }
    }

    /// <summary>
    /// Parses zone-file presentation text for <paramref name="type"/>; names without a trailing dot are relative to
    /// <paramref name="origin"/>. <paramref name="error"/> says what is wrong in words an operator understands.
    /// </summary>
    /// <remarks>The presentation format of every type is read in one place, <see cref="DnsRecordDataParser"/>.</remarks>
    public static bool TryParse(DnsRecordType type, string text, DnsName origin, [NotNullWhen(true)] out DnsRecordData? data, [NotNullWhen(false)] out string? error) =>
        DnsRecordDataParser.TryParse(type, text, origin, out data, out error);

    private static DnsParseError ReadNameExactly(ReadOnlySpan<byte> message, ref int offset, int end, Span<byte> destination, out int nameLength)
    {
        // The name's own octets must lie inside the RDATA; pointers may reach anywhere earlier in the message.
        var error = DnsWire.TryReadName(message[..end], ref offset, destination, out nameLength);
        return error == DnsParseError.Truncated ? DnsParseError.InvalidRecordData : error;
    }

    /// <summary>Reads the name that ends the RDATA: anything after it is <see cref="DnsParseError.InvalidRecordData"/>.</summary>
    private static DnsParseError ReadFinalName(ReadOnlySpan<byte> message, ref int offset, int end, Span<byte> destination, out int nameLength)
    {
        var error = ReadNameExactly(message, ref offset, end, destination, out nameLength);
        return error != DnsParseError.None || offset == end ? error : DnsParseError.InvalidRecordData;
    }

    private static DnsName ToName(ReadOnlySpan<byte> wire) =>
        DnsName.TryFromWire(wire, out var name) ? name : throw new InvalidOperationException("A name read from the wire is always valid.");

    /// <summary>Writes a name, compressed only where RFC 3597 §4 allows (the RFC 1035 types).</summary>
    private protected static bool TryWriteName(ref DnsWireWriter writer, DnsName name, bool compress) =>
        writer.TryWriteName(name.Wire, compress);
}

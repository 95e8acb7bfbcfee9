using System.Buffers.Binary;

namespace Router.Dns;

/// <summary>
/// The EDNS Client Subnet option (RFC 7871 §6): the network of the client a resolver asks on behalf of, and in a
/// response the scope that the answer is valid for. Allocation-free value type.
/// </summary>
public readonly record struct EdnsClientSubnet(NetworkAddress Address, byte SourcePrefixLength, byte ScopePrefixLength)
{
    /// <summary>The option code (RFC 7871 §6, IANA "EDNS0 Option Codes").</summary>
    public const ushort OptionCode = 8;

    public const ushort FamilyIPv4 = 1;
    public const ushort FamilyIPv6 = 2;

    public ushort Family => Address.IsIPv4 ? FamilyIPv4 : FamilyIPv6;

    /// <summary>The maximum prefix length for the family: 32 or 128.</summary>
    public int MaxPrefixLength => Address.IsIPv4 ? 32 : 128;

    // RFC 7871 §6: FAMILY (16), SOURCE PREFIX-LENGTH (8), SCOPE PREFIX-LENGTH (8), ADDRESS (ceil(source / 8) octets,
    // bits beyond the source prefix zero). §7.1.2: anything else is FORMERR.
    /// <summary>Parses the option data (without code and length).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out EdnsClientSubnet subnet)
    {
        subnet = default;
        if (data.Length < 4)
        {
            return false;
        }

        ushort family = BinaryPrimitives.ReadUInt16BigEndian(data);
        byte source = data[2];
        byte scope = data[3];
        int addressLength = family switch { FamilyIPv4 => 4, FamilyIPv6 => 16, _ => -1 };
        if (addressLength < 0 || source > addressLength * 8 || scope > addressLength * 8)
        {
            return false;
        }

        int significant = (source + 7) / 8;
        ReadOnlySpan<byte> address = data[4..];
        if (address.Length != significant)
        {
            return false;
        }

        if (significant > 0 && source % 8 != 0 && (address[^1] & (0xFF >> (source % 8))) != 0)
        {
            return false;
        }

        Span<byte> full = stackalloc byte[16];
        full.Clear();
        address.CopyTo(full);

        // The family is the one sent: an IPv6 subnet that happens to lie in ::ffff:0:0/96 must stay IPv6, or its
        // prefix lengths (up to 128) would be read against a 32-bit address and echoed back as a malformed FAMILY 1.
        var network = family == FamilyIPv4
            ? NetworkAddress.FromBytes(full[..4])
            : new NetworkAddress(BinaryPrimitives.ReadUInt128BigEndian(full), IsIPv4: false);
        subnet = new EdnsClientSubnet(network, source, scope);
        return true;
    }

    /// <summary>The length of the option data this value writes.</summary>
    public int DataLength => 4 + (SourcePrefixLength + 7) / 8;

    /// <summary>Writes the whole option: code, length and data (RFC 6891 §6.1.2).</summary>
    public bool TryWriteOption(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        Span<byte> address = stackalloc byte[16];
        Address.WriteBytes(address);
        int significant = (SourcePrefixLength + 7) / 8;
        if (significant > 0 && SourcePrefixLength % 8 != 0)
        {
            address[significant - 1] &= (byte)(0xFF << (8 - SourcePrefixLength % 8));
        }

        if (writer.TryWriteUInt16(OptionCode) &&
            writer.TryWriteUInt16((ushort)DataLength) &&
            writer.TryWriteUInt16(Family) &&
            writer.TryWriteByte(SourcePrefixLength) &&
            writer.TryWriteByte(ScopePrefixLength) &&
            writer.TryWriteBytes(address[..significant]))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }
}

namespace Router.Dns;

/// <summary>Protocol limits, named once.</summary>
public static class DnsLimits
{
    /// <summary>RFC 1035 §2.3.4: labels are 63 octets or less.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>RFC 1035 §2.3.4: names are 255 octets or less in wire form, length octets and root included.</summary>
    public const int MaxNameLength = 255;

    /// <summary>RFC 1035 §4.2.1: without EDNS, UDP messages are 512 octets or less.</summary>
    public const int MaxUdpPayloadWithoutEdns = 512;

    /// <summary>The EDNS UDP payload size we advertise and honour at most (DNS Flag Day 2020: no fragmentation).</summary>
    public const int DefaultEdnsPayloadSize = 1232;

    /// <summary>RFC 1035 §4.1.1: the fixed header is 12 octets.</summary>
    public const int HeaderLength = 12;

    /// <summary>RFC 1035 §4.2.2 / RFC 7766: a TCP message is prefixed by a two-octet length, so at most 65,535 octets.</summary>
    public const int MaxMessageLength = ushort.MaxValue;

    /// <summary>RFC 1035 §4.1.4: compression pointers are 14-bit offsets.</summary>
    public const int MaxCompressionOffset = 0x3FFF;

    /// <summary>RFC 2181 §8: TTLs are 31-bit; a value with the top bit set is treated as zero.</summary>
    public const uint MaxTtl = int.MaxValue;
}

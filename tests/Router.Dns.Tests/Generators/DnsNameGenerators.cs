using CsCheck;

namespace Router.Dns.Tests.Generators;

/// <summary>
/// CsCheck generators of octet strings, labels and names (RFC 1035 §2.3.4, §3.1): host-name-like most of the time, and
/// the edges often: 63-octet labels, 255-octet names, up to 127 one-octet labels, octets that need escaping in
/// presentation form (RFC 4343 §2.1), any octet at all (RFC 2181 §11), the root, and a name in another letter case.
/// </summary>
/// <remarks>
/// The octets of a string come from one generated seed rather than one generated value each: that keeps generation
/// cheap enough for 100,000 messages per run, and the seed still reproduces them (and shrinks).
/// </remarks>
internal static class DnsNameGenerators
{
    private static readonly byte[] HostNameOctets = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"u8.ToArray();

    // RFC 1035 §5.1 and RFC 4343 §2.1: octets a presentation form must escape, and a few control octets.
    private static readonly byte[] OddAsciiOctets = ".\\ \"();@$*\0\t\r\n\x7f"u8.ToArray();

    /// <summary>The alphabets of octet strings.</summary>
    private enum OctetKind
    {
        HostName,
        HostNameWithOddAscii,
        Ascii,
        Any,
    }

    /// <summary>
    /// The zones messages are about, other names being put under them: the root, a TLD, the usual shapes, one in upper
    /// case, and a 63-octet label. A fixed list, so each zone's generators are built once.
    /// </summary>
    public static IReadOnlyList<DnsName> Zones { get; } =
    [
        DnsName.Root,
        DnsName.Parse("test."),
        DnsName.Parse("example.test."),
        DnsName.Parse("EXAMPLE.Test."),
        DnsName.Parse("tm.registry.test."),
        DnsName.Parse("_tcp.a.b.c.d.e.f.g."),
        DnsName.Parse("xn--bcher-kva.example."),
        DnsName.Parse(new string('z', DnsLimits.MaxLabelLength) + ".example."),
    ];

    /// <summary>
    /// Octets for a label or character-string, of a length drawn from <paramref name="length"/>: host-name characters
    /// mostly, or mixed with octets that need escaping, any ASCII, or (with <paramref name="anyOctets"/>) any octet.
    /// </summary>
    public static Gen<byte[]> Octets(Gen<int> length, bool anyOctets) =>
        Gen.Select(length, Kind(anyOctets), Gen.ULong, Fill);

    /// <summary>Any octets, of a length drawn from <paramref name="length"/> (RDATA, option data, addresses).</summary>
    public static Gen<byte[]> Bytes(Gen<int> length) =>
        Gen.Select(length, Gen.ULong, (n, seed) => Fill(n, OctetKind.Any, seed));

    /// <summary>A label of 1 to 63 octets (RFC 1035 §2.3.4).</summary>
    public static Gen<byte[]> Label(bool anyOctets) =>
        Octets(Gen.Frequency((6, Gen.Int[1, 8]), (3, Gen.Int[9, 40]), (1, Gen.Int[41, 62]), (1, Gen.Const(DnsLimits.MaxLabelLength))), anyOctets);

    /// <summary>Any name the profile allows, from the root to 255 octets.</summary>
    public static Gen<DnsName> Name(DnsGeneratorProfile profile) => Gen.Frequency(
        (10, Label(profile.AnyOctets).Array[1, 5].Select(labels => Join(labels, DnsName.Root, profile.MaxLabels))),
        (1, Gen.Const(DnsName.Root)),
        (1, FullLengthName(profile)),
        (1, Octets(Gen.Int[1, profile.MaxLabels], profile.AnyOctets)
            .Select(octets => Join(octets.Select(o => new[] { o }), DnsName.Root, profile.MaxLabels))));

    /// <summary>
    /// A name of a message about <paramref name="zone"/>: mostly under it (so later names compress against earlier
    /// ones, RFC 1035 §4.1.4), sometimes the zone itself or an unrelated name, and in a quarter of the cases with some
    /// ASCII letters in the other case (RFC 4343 §3).
    /// </summary>
    public static Gen<DnsName> NameNear(DnsName zone, DnsGeneratorProfile profile)
    {
        var name = Gen.Frequency(
            (6, Label(profile.AnyOctets).Array[0, 2].Select(prefix => Join(prefix, zone, profile.MaxLabels))),
            (2, Gen.Const(zone)),
            (2, Name(profile)));
        return Gen.Select(name, Gen.Frequency((3, Gen.Const(0UL)), (1, Gen.ULong)), (n, flips) => flips == 0 ? n : FlipCase(n, flips));
    }

    /// <summary>
    /// <paramref name="prefix"/> labels followed by <paramref name="suffix"/>; labels that would take the name past 255
    /// octets or <paramref name="maxLabels"/> labels are left out.
    /// </summary>
    public static DnsName Join(IEnumerable<byte[]> prefix, DnsName suffix, int maxLabels)
    {
        var wire = new List<byte>(DnsLimits.MaxNameLength);
        int length = suffix.WireLength;
        int labels = suffix.LabelCount;
        foreach (byte[] label in prefix)
        {
            if (length + label.Length + 1 > DnsLimits.MaxNameLength || labels + 1 > maxLabels)
            {
                break;
            }

            wire.Add((byte)label.Length);
            wire.AddRange(label);
            length += label.Length + 1;
            labels++;
        }

        wire.AddRange(suffix.Wire);
        return DnsName.TryFromWire([.. wire], out var name) ? name : throw new InvalidOperationException("Generated an invalid name.");
    }

    private static Gen<OctetKind> Kind(bool anyOctets) => anyOctets
        ? Gen.Frequency((6, Gen.Const(OctetKind.HostName)), (2, Gen.Const(OctetKind.HostNameWithOddAscii)), (1, Gen.Const(OctetKind.Ascii)), (1, Gen.Const(OctetKind.Any)))
        : Gen.Frequency((6, Gen.Const(OctetKind.HostName)), (2, Gen.Const(OctetKind.HostNameWithOddAscii)), (1, Gen.Const(OctetKind.Ascii)));

    // Exactly 255 octets (RFC 1035 §2.3.4: 254 octets of labels and their lengths, then the root), label lengths
    // chosen at random between what the label limit needs and 63.
    private static Gen<DnsName> FullLengthName(DnsGeneratorProfile profile)
    {
        int shortest = Math.Max(1, (DnsLimits.MaxNameLength - 1 + profile.MaxLabels - 1) / profile.MaxLabels - 1);
        return Gen.Select(Gen.ULong, Kind(profile.AnyOctets), Gen.ULong, (lengthSeed, kind, seed) =>
        {
            int[] lengths = FillLengths(shortest, lengthSeed, profile.MaxLabels);
            byte[] octets = Fill(lengths.Sum(), kind, seed);
            var labels = new List<byte[]>(lengths.Length);
            int start = 0;
            foreach (int length in lengths)
            {
                labels.Add(octets[start..(start + length)]);
                start += length;
            }

            return Join(labels, DnsName.Root, profile.MaxLabels);
        });
    }

    private static int[] FillLengths(int shortest, ulong seed, int maxLabels)
    {
        var lengths = new List<int>();
        int remaining = DnsLimits.MaxNameLength - 1;
        while (remaining > 0 && lengths.Count < maxLabels)
        {
            int candidate = shortest + (int)(Next(ref seed) % (ulong)(DnsLimits.MaxLabelLength - shortest + 1));
            int length = Math.Min(candidate, remaining - 1);
            if (remaining - (length + 1) == 1)
            {
                // One octet left over could not hold a label: take it into this one, or leave two for the next.
                length = length == DnsLimits.MaxLabelLength ? length - 1 : length + 1;
            }

            lengths.Add(length);
            remaining -= length + 1;
        }

        return [.. lengths];
    }

    private static byte[] Fill(int length, OctetKind kind, ulong seed)
    {
        var octets = new byte[length];
        for (int i = 0; i < length; i++)
        {
            ulong z = Next(ref seed);
            octets[i] = (kind, z % 8) switch
            {
                (OctetKind.HostName, _) or (OctetKind.HostNameWithOddAscii, < 6) => HostNameOctets[(z >> 8) % (ulong)HostNameOctets.Length],
                (OctetKind.HostNameWithOddAscii, _) => OddAsciiOctets[(z >> 8) % (ulong)OddAsciiOctets.Length],
                (OctetKind.Ascii, _) => (byte)((z >> 8) & 0x7F),
                _ => (byte)(z >> 8),
            };
        }

        return octets;
    }

    private static DnsName FlipCase(DnsName name, ulong seed)
    {
        byte[] wire = name.Wire.ToArray();
        for (int position = 0; wire[position] != 0; position += wire[position] + 1)
        {
            for (int i = position + 1; i <= position + wire[position]; i++)
            {
                if ((Next(ref seed) & 1) != 0 && char.IsAsciiLetter((char)wire[i]))
                {
                    wire[i] ^= 0x20;
                }
            }
        }

        return DnsName.TryFromWire(wire, out var flipped) ? flipped : throw new InvalidOperationException("Generated an invalid name.");
    }

    // SplitMix64: a well-mixed sequence from one seed.
    private static ulong Next(ref ulong seed)
    {
        ulong z = seed += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}

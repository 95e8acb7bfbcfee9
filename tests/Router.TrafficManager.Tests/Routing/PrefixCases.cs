using System.Net;
using CsCheck;
using Router.Dns;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>An address as the tests see it: its family and octets in network order.</summary>
internal sealed record TestAddress(bool IsIPv4, byte[] Bytes)
{
    public int Width => Bytes.Length * 8;

    public NetworkAddress ToNetworkAddress() => NetworkAddress.FromBytes(Bytes);

    /// <summary>Whether the first <paramref name="length"/> bits equal those of <paramref name="other"/> (same family).</summary>
    public bool SharesPrefix(TestAddress other, int length)
    {
        if (other.IsIPv4 != IsIPv4)
        {
            return false;
        }

        int whole = length / 8;
        if (!Bytes.AsSpan(0, whole).SequenceEqual(other.Bytes.AsSpan(0, whole)))
        {
            return false;
        }

        int mask = (0xFF00 >> (length % 8)) & 0xFF;
        return mask == 0 || ((Bytes[whole] ^ other.Bytes[whole]) & mask) == 0;
    }

    /// <summary>The first <paramref name="keep"/> bits of this address, the rest taken from <paramref name="noise"/>.</summary>
    public TestAddress WithTail(int keep, byte[] noise)
    {
        var bytes = (byte[])Bytes.Clone();
        for (int i = keep; i < Width; i++)
        {
            int mask = 0x80 >> (i % 8);
            bytes[i / 8] = (byte)((noise[i / 8 % noise.Length] & mask) != 0 ? bytes[i / 8] | mask : bytes[i / 8] & ~mask);
        }

        return new TestAddress(IsIPv4, bytes);
    }

    public override string ToString() => new IPAddress(Bytes).ToString();
}

/// <summary>A network prefix in canonical text, with the address it was cut from.</summary>
internal sealed record TestPrefix(TestAddress Network, int Length)
{
    public string Text => $"{Network}/{Length}";

    /// <summary>Containment written bit by bit, independently of the product's masks and tries.</summary>
    public bool Contains(TestAddress address) => Network.SharesPrefix(address, Length);

    public override string ToString() => Text;
}

/// <summary>
/// Generators of overlapping prefixes and of addresses in and around them. Rows and clients are cut from a few shared
/// seed addresses, so nested prefixes, exact hits and near misses are common instead of vanishingly rare.
/// </summary>
internal static class PrefixCases
{
    private static readonly byte[] Zeros = new byte[16];
    private static readonly byte[] Ones = [.. Enumerable.Repeat((byte)0xFF, 16)];

    /// <summary>1 to 3 seed addresses, each IPv4 or IPv6 (IPv4-mapped IPv6 seeds are avoided: they are IPv4).</summary>
    public static readonly Gen<TestAddress[]> Seeds =
        Gen.Select(Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false))), Gen.Byte.Array[16])
            .Select(t => new TestAddress(t.Item1, t.Item1 ? t.Item2[..4] : [0x20, 0x01, .. t.Item2[2..]]))
            .Array[1, 3];

    /// <summary>A prefix cut from one of <paramref name="seeds"/>: its bits from a random point randomised, then masked.</summary>
    public static Gen<TestPrefix> Prefix(TestAddress[] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, 128], Gen.Int[0, 128], Gen.Byte.Array[16])
            .Select(t =>
            {
                var seed = seeds[t.Item1];
                int length = t.Item2 % (seed.Width + 1);
                var network = seed.WithTail(Math.Min(t.Item3, seed.Width), t.Item4).WithTail(length, Zeros);
                return new TestPrefix(network, length);
            });

    /// <summary>An address near one of <paramref name="seeds"/>, or of the other family, never equal by accident only.</summary>
    public static Gen<TestAddress> Address(TestAddress[] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length], Gen.Int[0, 128], Gen.Byte.Array[16])
            .Select(t => t.Item1 == seeds.Length
                ? new TestAddress(t.Item3[0] % 2 == 0, t.Item3[0] % 2 == 0 ? t.Item3[..4] : [0x20, 0x01, .. t.Item3[2..]])
                : seeds[t.Item1].WithTail(Math.Min(t.Item2, seeds[t.Item1].Width), t.Item3));

    /// <summary>
    /// Addresses that share the first <paramref name="scope"/> bits with <paramref name="address"/>: the lowest and
    /// highest of that block, and some from inside it.
    /// </summary>
    public static IEnumerable<TestAddress> InScope(TestAddress address, int scope, IEnumerable<byte[]> noise)
    {
        yield return address.WithTail(scope, Zeros);
        yield return address.WithTail(scope, Ones);
        foreach (var bytes in noise)
        {
            yield return address.WithTail(scope, bytes);
        }
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Router.Dns;
using Xunit.Sdk;

namespace Router.Cli.Tests.TestSupport;

/// <summary>An in-process UDP client for one A query to a loopback server, bounded by a timeout.</summary>
internal static class DnsProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The addresses of the A records in the answer to <paramref name="name"/>.</summary>
    public static async Task<IReadOnlyList<string>> QueryAAsync(IPEndPoint server, string name)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(server);
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await udp.SendAsync(Query(id, name, DnsRecordType.A), deadline.Token).ConfigureAwait(false);
            while (true)
            {
                var received = await udp.ReceiveAsync(deadline.Token).ConfigureAwait(false);
                var error = DnsMessage.TryRead(received.Buffer, out var message);
                Assert.True(error == DnsParseError.None, $"the response to {name} does not parse: {error}");
                if (message!.Id != id)
                {
                    continue;
                }

                return [.. message.Answers.Where(a => a.Type == DnsRecordType.A).Select(a => a.Data.ToString())];
            }
        }
        catch (OperationCanceledException)
        {
            throw new XunitException($"no answer from {server} for {name} within {Timeout.TotalSeconds} s");
        }
    }

    // RFC 1035 §4.1.1 header (RD=1, one question), §4.1.2 question: QNAME as labels, QTYPE, QCLASS IN.
    private static byte[] Query(ushort id, string name, DnsRecordType type)
    {
        var bytes = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], 0x0100);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        bytes.AddRange(header.ToArray());
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        bytes.Add(0);
        bytes.Add((byte)type);
        bytes.Add(0);
        bytes.Add(1);
        return [.. bytes];
    }
}

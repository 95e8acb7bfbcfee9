using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Router.Dns;
using Router.Dns.Server;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Forwarding;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Transport;

namespace Router.Fuzz;

/// <summary>
/// The DNS message parsers and the TCP framing. Nothing on these paths may throw: <see cref="DnsPipeline.Process"/>
/// catches nothing (a listener that catches answers SERVFAIL and logs an error), <see cref="DnsMessage.TryRead"/> is
/// documented never to throw, and the forwarding path (<c>UpstreamResolver</c>, <c>CachedAnswer</c>,
/// <see cref="ForwardingHandler"/>) writes whatever an upstream sent into the answer to the client.
/// </summary>
/// <remarks>
/// Invariants: a message that parses re-encodes to bytes that parse and re-encode to the same bytes; every response
/// the server writes (UDP, TCP, forwarded) parses as a message and fits the client's limit; TCP responses are framed.
/// </remarks>
internal static class DnsTarget
{
    private static readonly NetworkAddress Loopback = NetworkAddress.FromIPAddress(IPAddress.Loopback);
    private static readonly Lazy<Servers> Shared = new(Servers.Create);

    public static void Run(byte[] input)
    {
        ParseQuery(input);
        ParseMessage(input);
        ProcessUdp(input);
        ProcessTcpStream(input);
    }

    /// <summary>The answer path's parser, as <see cref="DnsPipeline.Process"/> calls it.</summary>
    private static void ParseQuery(byte[] input)
    {
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        var error = DnsQueryParser.TryParse(input, name, out var query);
        if (error == DnsParseError.None)
        {
            FuzzInvariantException.Check(query.NameLength is >= 1 and <= DnsLimits.MaxNameLength, $"question name length {query.NameLength}");
            FuzzInvariantException.Check(query.QuestionEnd <= input.Length, $"question ends at {query.QuestionEnd}, after the packet");
        }
    }

    /// <summary>The whole-message reader of the forwarding path, its round trip, and the answer written from it.</summary>
    private static void ParseMessage(byte[] input)
    {
        if (DnsMessage.TryRead(input, out var message) != DnsParseError.None)
        {
            return;
        }

        RoundTrip(message!, compression: true);
        RoundTrip(message!, compression: false);
        if (message!.Questions.Count == 1)
        {
            // UpstreamResolver accepts a response with one question matching the query; the cache keeps its records
            // and ForwardingHandler writes them to the client, within the client's limit.
            var answer = CachedAnswer.FromResponse(message, 0, DnsLimits.MaxTtl, 3600, cacheable: true);
            FuzzInvariantException.Check(answer is not null, "no cache entry for a response");
            WriteForwarded(message.Questions[0], answer!, DnsLimits.MaxUdpPayloadWithoutEdns);
            WriteForwarded(message.Questions[0], answer!, DnsLimits.MaxMessageLength);
        }
    }

    private static void RoundTrip(DnsMessage message, bool compression)
    {
        var first = new byte[DnsLimits.MaxMessageLength];
        if (!message.TryWrite(first, out int firstLength, compression))
        {
            // Names written out in full (no compression, or in record data that must not be compressed) can make the
            // message longer than the one read; reporting that is the writer's contract.
            return;
        }

        var error = DnsMessage.TryRead(first.AsSpan(0, firstLength), out var again);
        FuzzInvariantException.Check(error == DnsParseError.None, $"the re-encoded message does not parse: {error}");
        var second = new byte[DnsLimits.MaxMessageLength];
        FuzzInvariantException.Check(again!.TryWrite(second, out int secondLength, compression), "the re-read message does not fit");
        FuzzInvariantException.Check(first.AsSpan(0, firstLength).SequenceEqual(second.AsSpan(0, secondLength)),
            "encoding the re-read message gives other bytes");
    }

    private static void WriteForwarded(DnsQuestion question, CachedAnswer answer, int limit)
    {
        var query = new DnsMessage { Id = 1, OpCode = DnsOpCode.Query, RecursionDesired = true };
        query.Questions.Add(question);
        byte[] bytes = query.ToArray();
        var context = new DnsRequestContext();
        bytes.CopyTo(context.RequestBuffer, 0);
        context.Reset(bytes.Length, limit > DnsLimits.MaxUdpPayloadWithoutEdns ? DnsTransport.Tcp : DnsTransport.Udp, Loopback);
        var error = DnsQueryParser.TryParse(context.Request, context.NameBuffer, out context.Query);
        FuzzInvariantException.Check(error == DnsParseError.None, $"the query for a response's question does not parse: {error}");
        context.MaxResponseLength = limit;
        ForwardingHandler.Write(context, answer, 0);
        CheckResponse(context.Response, limit, "forwarded answer");
    }

    /// <summary>One datagram through the pipeline of a server with a static zone and forwarding (deferred, not sent).</summary>
    private static void ProcessUdp(byte[] input)
    {
        var context = new DnsRequestContext();
        int length = Math.Min(input.Length, DnsLimits.MaxMessageLength);
        input.AsSpan(0, length).CopyTo(context.RequestBuffer);
        context.Reset(length, DnsTransport.Udp, Loopback);
        var result = Shared.Value.Udp.Process(context);
        if (result == DnsHandlerResult.Answered)
        {
            CheckResponse(context.Response, context.MaxResponseLength, "UDP response");
        }
    }

    /// <summary>The input as the bytes of one TCP connection, through the server's own connection code.</summary>
    private static void ProcessTcpStream(byte[] input)
    {
        var servers = Shared.Value;
        var (server, client) = UnixSocketPair.Create();
        using (client)
        {
            var connection = new TcpDnsConnection(server, servers.Tcp);
            var run = connection.RunAsync();
            var send = UnixSocketPair.SendAndShutdownAsync(client, input);
            var receive = UnixSocketPair.ReceiveAllAsync(client);
            Task.WhenAll(run, send, receive).GetAwaiter().GetResult();
            servers.Log.ThrowIfFailed();

            // RFC 1035 §4.2.2: every response is a two-octet length and that many octets.
            ReadOnlySpan<byte> stream = receive.Result;
            while (!stream.IsEmpty)
            {
                FuzzInvariantException.Check(stream.Length >= 2, "a TCP response frame without its whole length prefix");
                int length = stream[0] << 8 | stream[1];
                FuzzInvariantException.Check(stream.Length - 2 >= length, "a TCP response frame shorter than its length prefix");
                CheckResponse(stream.Slice(2, length), DnsLimits.MaxMessageLength, "TCP response");
                stream = stream[(2 + length)..];
            }
        }
    }

    private static void CheckResponse(ReadOnlySpan<byte> response, int limit, string what)
    {
        FuzzInvariantException.Check(response.Length <= limit, $"{what} of {response.Length} octets exceeds the limit of {limit}");
        var error = DnsMessage.TryRead(response, out var message);
        FuzzInvariantException.Check(error == DnsParseError.None, $"{what} does not parse: {error}");
        FuzzInvariantException.Check(message!.IsResponse, $"{what} is not a response");
    }

    /// <summary>The servers every input goes through; built once per process.</summary>
    private sealed class Servers(DnsPipeline udp, TcpDnsListener tcp, FailureLogger log)
    {
        public DnsPipeline Udp { get; } = udp;

        public TcpDnsListener Tcp { get; } = tcp;

        public FailureLogger Log { get; } = log;

        public static Servers Create()
        {
            var log = new FailureLogger();
            var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

            // Forwarding on for loopback clients: a name outside the zone is deferred (and never sent anywhere).
            var udpOptions = Options(forwarding: true);
            var udp = new DnsServer(udpOptions, log, meters, TimeProvider.System).Pipeline;

            // TCP connections come from a Unix socket (no client address) through a server without forwarding, so
            // nothing is deferred to an upstream.
            var tcpOptions = Options(forwarding: false);
            var tcpPipeline = new DnsServer(tcpOptions, log, meters, TimeProvider.System).Pipeline;
            var core = new DnsServerCore(tcpPipeline, tcpOptions.Tcp, tcpOptions.Forwarding.MaxConcurrent, new Dns.Server.Diagnostics.DnsServerMetrics(meters),
                TimeProvider.System);
            var tcp = new TcpDnsListener(new IPEndPoint(IPAddress.Loopback, 0), core, log.CreateLogger(nameof(TcpDnsListener)));
            return new Servers(udp, tcp, log);
        }

        private static DnsServerOptions Options(bool forwarding)
        {
            var options = new DnsServerOptions { Listen = ["127.0.0.1:0"] };
            options.Zones.Add(new DnsZoneOptions
            {
                Name = "registry.test",
                Records =
                [
                    new DnsRecordOptions { Name = "contoso", Type = "CNAME", Value = "eastus.registry.test." },
                    new DnsRecordOptions { Name = "eastus", Type = "A", Value = "127.0.0.11" },
                    new DnsRecordOptions { Name = "eastus", Type = "AAAA", Value = "::11" },
                    new DnsRecordOptions { Name = "westeurope", Type = "A", Value = "127.0.0.12" },
                    new DnsRecordOptions { Name = "@", Type = "MX", Value = "10 mail.registry.test." },
                    new DnsRecordOptions { Name = "@", Type = "TXT", Value = "\"v=fuzz\" \"second string\"" },
                    new DnsRecordOptions { Name = "_registry._tcp", Type = "SRV", Value = "0 5 443 eastus.registry.test." },
                    new DnsRecordOptions { Name = "loop", Type = "CNAME", Value = "loop2.registry.test." },
                    new DnsRecordOptions { Name = "loop2", Type = "CNAME", Value = "loop.registry.test." },
                    new DnsRecordOptions { Name = "away", Type = "CNAME", Value = "www.example.com." },
                ],
            });
            if (forwarding)
            {
                options.Forwarding = new DnsForwardingOptions { Enabled = true, Upstreams = ["127.0.0.1:9"], AllowedClients = ["127.0.0.0/8"] };
            }

            return options;
        }
    }
}

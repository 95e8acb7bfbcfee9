using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Metrics;
using Router.Dns;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Zones;

namespace Router.Benchmarks;

/// <summary>
/// The UDP answer path without the socket: a received query in the receive buffer → parse → answer from the zone →
/// response written in the send buffer, and the query counted. This is exactly what the receive thread runs between
/// ReceiveFrom and SendTo (and the count after it), with the metrics as <c>router serve</c> has them when
/// <see cref="Listening"/>: an OpenTelemetry meter provider over the <c>Router.*</c> meters with the Prometheus exporter.
/// </summary>
[MemoryDiagnoser]
public class AnswerPathBenchmarks
{
    private DnsPipeline _pipeline = null!;
    private DnsServerMetrics _metrics = null!;
    private ServiceProvider? _services;
    private DnsRequestContext _context = null!;
    private byte[] _query = [];

    [Params("www A", "multi A", "api AAAA", "nx A", "alias A (CNAME)", "www A +ECS")]
    public string Case { get; set; } = "www A";

    /// <summary>Whether an OpenTelemetry meter provider listens to the instruments (as in <c>router serve</c> with an admin API or OTLP).</summary>
    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new DnsServerOptions
        {
            Listen = ["127.0.0.1:53"],
            Zones =
            [
                new DnsZoneOptions
                {
                    Name = "example.test",
                    Records =
                    [
                        new() { Name = "www", Type = "A", Value = "192.0.2.1" },
                        new() { Name = "www", Type = "AAAA", Value = "2001:db8::1" },
                        new() { Name = "api", Type = "AAAA", Value = "2001:db8::2" },
                        new() { Name = "multi", Type = "A", Value = "192.0.2.11" },
                        new() { Name = "multi", Type = "A", Value = "192.0.2.12" },
                        new() { Name = "multi", Type = "A", Value = "192.0.2.13" },
                        new() { Name = "alias", Type = "CNAME", Value = "www" },
                    ],
                },
            ],
        };
        var errors = new List<string>();
        var zones = ZoneBuilder.Build(options.Zones, [], "Dns:Zones", errors);
        // As in serve: AddMetrics(), and with Listening, AddOpenTelemetry().WithMetrics() with the Prometheus exporter.
        var services = new ServiceCollection().AddMetrics();
        if (Listening)
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("Router.*").AddPrometheusExporter());
        }

        _services = services.BuildServiceProvider();
        _ = _services.GetService<MeterProvider>();
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        _metrics = new DnsServerMetrics(meterFactory);
        _pipeline = new DnsPipeline([new StaticZones(zones)], [], 1232, NullLogger.Instance, _metrics);

        string[] parts = Case.Split(' ');
        var message = new DnsMessage { Id = 0x1234, RecursionDesired = true, Edns = new DnsEdns { UdpPayloadSize = 1232 } };
        message.Questions.Add(new DnsQuestion(DnsName.Parse(parts[0] + ".example.test."), Enum.Parse<DnsRecordType>(parts[1])));
        if (Case.EndsWith("+ECS", StringComparison.Ordinal))
        {
            var ecs = new EdnsClientSubnet(NetworkAddress.FromBytes([192, 0, 2, 0]), 24, 0);
            var buffer = new byte[32];
            var writer = new DnsWireWriter(buffer);
            ecs.TryWriteOption(ref writer);
            message.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, buffer[4..writer.Position])] };
        }

        _query = message.ToArray();
        _context = new DnsRequestContext();
        _query.CopyTo(_context.RequestBuffer, 0);
        if (_pipeline.Process(Prepare()) != DnsHandlerResult.Answered)
        {
            throw new InvalidOperationException("The benchmark query is not answered.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services?.Dispose();

    [Benchmark]
    public int ParseAnswerWrite()
    {
        if (_pipeline.Process(Prepare()) != DnsHandlerResult.Answered)
        {
            return -1;
        }

        // What the receive loop does after SendTo.
        _metrics.QueryAnswered(DnsTransport.Udp, _context.Response);
        return _context.ResponseLength;
    }

    private DnsRequestContext Prepare()
    {
        // What the receive loop does after ReceiveFrom filled the buffer.
        _context.Reset(_query.Length, DnsTransport.Udp, NetworkAddress.FromBytes([127, 0, 0, 1]));
        return _context;
    }
}

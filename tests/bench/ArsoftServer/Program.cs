using System.Net;
using System.Runtime.InteropServices;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace ArsoftServer;

/// <summary>
/// Serves one zone file with ARSoft.Tools.Net's <see cref="DnsServer"/> on UDP and TCP, for tests/bench/dns-qps.sh:
/// <c>ArsoftServer IP:PORT ZONE FILE</c>. It answers like the other servers of the benchmark (see
/// <see cref="ZoneAnswers"/>) and runs until SIGTERM or Ctrl+C. Exit code 2 for bad arguments or an unreadable zone.
/// </summary>
public static class Program
{
    /// <summary>The transports' defaults in <see cref="DnsServer"/>'s own constructor: 5 s timeout, 120 s TCP keep-alive.</summary>
    private const int TimeoutMilliseconds = 5_000;

    private const int KeepAliveMilliseconds = 120_000;

    public static int Main(string[] args)
    {
        if (args.Length != 3 || !IPEndPoint.TryParse(args[0], out var endpoint) || !DomainName.TryParse(args[1], out var origin) ||
            !File.Exists(args[2]))
        {
            Console.Error.WriteLine("usage: ArsoftServer IP:PORT ZONE ZONEFILE");
            return 2;
        }

        ZoneAnswers answers;
        try
        {
            answers = new ZoneAnswers(Zone.ParseMasterFile(origin!, args[2]));
        }
        catch (Exception ex) when (ex is FormatException or IOException or InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine($"ArsoftServer: cannot read the zone {origin} from {args[2]}: {ex.Message}");
            return 2;
        }

        using var stopping = new ManualResetEventSlim();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        var server = new DnsServer(
            new UdpServerTransport(endpoint, TimeoutMilliseconds),
            new TcpServerTransport(endpoint, TimeoutMilliseconds, KeepAliveMilliseconds));
        server.QueryReceived += answers.OnQueryReceivedAsync;
        server.Start();
        Console.WriteLine($"ArsoftServer: serving {origin} ({answers.RecordCount} records) on {endpoint} (UDP and TCP)");
        stopping.Wait();
        server.Stop();
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Set();
        }
    }
}

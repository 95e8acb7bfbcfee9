using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>
/// Knot DNS (<c>knotd</c>) serving one zone from a temporary directory on <c>127.0.0.1</c> and a free port, as
/// tests/bench/dns-qps.sh starts it. Disposing kills the process this object started and removes the directory.
/// </summary>
internal sealed class KnotServer : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly StringBuilder _log;

    private KnotServer(Process process, DirectoryInfo directory, StringBuilder log, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        _log = log;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Starts knotd for <paramref name="zone"/> with <paramref name="zoneFile"/>, and waits until it answers <paramref name="probeName"/>.</summary>
    public static async Task<KnotServer> StartAsync(string zone, string zoneFile, string probeName)
    {
        string knotd = DnsTools.FindProgram("knotd");
        for (int attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("router-knot-");
            int port = FreePort();
            var server = Launch(knotd, directory, zone, zoneFile, port);
            try
            {
                if (await server.WaitUntilAnsweringAsync(probeName))
                {
                    return server;
                }
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            string log = server._log.ToString();
            await server.DisposeAsync();

            // Another process may have taken the port between our probe and knotd's bind: try another one.
            if (attempt == 3)
            {
                Assert.Fail($"knotd did not answer {probeName} on 127.0.0.1:{port} within {StartupTimeout.TotalSeconds} s. Its output:\n{log}");
            }
        }
    }

    private static KnotServer Launch(string knotd, DirectoryInfo directory, string zone, string zoneFile, int port)
    {
        string zonePath = Path.Combine(directory.FullName, zone + ".zone");
        string run = Directory.CreateDirectory(Path.Combine(directory.FullName, "run")).FullName;
        string db = Directory.CreateDirectory(Path.Combine(directory.FullName, "db")).FullName;
        File.WriteAllText(zonePath, zoneFile);
        string config = string.Create(CultureInfo.InvariantCulture, $"""
            server:
                listen: 127.0.0.1@{port}
                rundir: "{run}"
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1

            log:
              - target: stderr
                any: warning

            database:
                storage: "{db}"

            zone:
              - domain: {zone}
                file: "{zonePath}"
            """);
        string configPath = Path.Combine(directory.FullName, "knot.conf");
        File.WriteAllText(configPath, config);

        var start = new ProcessStartInfo(knotd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(configPath);
        var process = new Process { StartInfo = start };
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new KnotServer(process, directory, log, new IPEndPoint(IPAddress.Loopback, port));
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private async Task<bool> WaitUntilAnsweringAsync(string probeName)
    {
        byte[] probe = RawDns.QueryBytes(probeName, DnsRecordType.A, id: 0x0101);
        long started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < StartupTimeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            byte[]? response = await RawDns.UdpExchangeAsync(EndPoint, probe, TimeSpan.FromMilliseconds(200));
            if (response is not null && DnsMessage.TryRead(response, out var message) == DnsParseError.None &&
                message!.ResponseCode == DnsResponseCode.NoError && message.Answers.Count > 0)
            {
                return true;
            }

            // Bounded poll: knotd is still loading, or its socket is not bound yet.
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        return false;
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 right now.</summary>
    private static int FreePort()
    {
        for (int i = 0; ; i++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (i < 20)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(deadline.Token);
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                _directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace Router.Testing;

/// <summary>
/// Knot DNS (<c>knotd</c>, Debian package <c>knot</c>) serving zones from a temporary directory on <c>127.0.0.1</c>
/// and a free port, as tests/bench/dns-qps.sh starts it, with a control socket so that a test can change a zone while
/// it runs (<see cref="ReplaceZoneAsync"/>). A zone whose file does not parse is configured all the same: Knot answers
/// SERVFAIL for it. Disposing kills the process this object started (by its PID) and removes the directory.
/// </summary>
public sealed class KnotServer : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly StringBuilder _log;
    private int _disposed;

    private KnotServer(Process process, DirectoryInfo directory, StringBuilder log, IPEndPoint endPoint)
    {
        _process = process;
        _directory = directory;
        _log = log;
        EndPoint = endPoint;
    }

    /// <summary>Where it answers, UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>What knotd logged so far (warnings and errors), for assertion messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private string ControlSocket => Path.Combine(_directory.FullName, "run", "knot.sock");

    /// <summary>Starts knotd for <paramref name="zone"/> with <paramref name="zoneFile"/>, and waits until it answers <paramref name="probeName"/>.</summary>
    public static Task<KnotServer> StartAsync(string zone, string zoneFile, string probeName) =>
        StartAsync(probeName, (zone, zoneFile));

    /// <summary>
    /// Starts knotd for every zone of <paramref name="zones"/> (a name and its zone file's text), and waits until it
    /// answers <paramref name="probeName"/> (an A record in a zone that loads).
    /// </summary>
    public static async Task<KnotServer> StartAsync(string probeName, params (string Name, string ZoneFile)[] zones)
    {
        string knotd = InstalledProgram.Find("knotd", "knot");
        for (int attempt = 1; ; attempt++)
        {
            var server = Launch(knotd, Directory.CreateTempSubdirectory("router-knot-"), zones, FreePort());
            try
            {
                if (await server.WaitUntilAnsweringAsync(probeName).ConfigureAwait(false))
                {
                    return server;
                }
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            string log = server.Log;
            await server.DisposeAsync().ConfigureAwait(false);

            // Another process may have taken the port between our probe and knotd's bind: try another one.
            if (attempt == 3)
            {
                throw new InvalidOperationException(
                    $"knotd did not answer {probeName} on {server.EndPoint} within {StartupTimeout.TotalSeconds} s. Its output:\n{log}");
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="zoneFile"/> as the file of <paramref name="zone"/> and has knotd reload it, waiting
    /// until the reload has finished (<c>knotc -b zone-reload</c>). A file that does not parse leaves the zone as it
    /// was (Knot keeps serving the last good one); a zone that never loaded starts answering once its file parses.
    /// </summary>
    public async Task ReplaceZoneAsync(string zone, string zoneFile)
    {
        await File.WriteAllTextAsync(ZonePath(_directory, zone), zoneFile).ConfigureAwait(false);
        var start = new ProcessStartInfo(InstalledProgram.Find("knotc", "knot"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-s", ControlSocket, "-b", "zone-reload", zone })
        {
            start.ArgumentList.Add(argument);
        }

        using var knotc = Process.Start(start) ?? throw new InvalidOperationException("knotc did not start");
        var output = knotc.StandardOutput.ReadToEndAsync();
        var errors = knotc.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(ControlTimeout);
        try
        {
            await knotc.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            knotc.Kill();
            throw new InvalidOperationException($"knotc zone-reload {zone} did not finish within {ControlTimeout.TotalSeconds} s.");
        }

        if (knotc.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"knotc zone-reload {zone} exited with {knotc.ExitCode}: {await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}\n{Log}");
        }
    }

    /// <summary>Kills knotd and removes its directory; a second call does nothing (a test may stop the server early).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
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

    private static string ZonePath(DirectoryInfo directory, string zone) => Path.Combine(directory.FullName, zone + ".zone");

    private static KnotServer Launch(string knotd, DirectoryInfo directory, (string Name, string ZoneFile)[] zones, int port)
    {
        string run = Directory.CreateDirectory(Path.Combine(directory.FullName, "run")).FullName;
        string db = Directory.CreateDirectory(Path.Combine(directory.FullName, "db")).FullName;
        var zoneList = new StringBuilder();
        foreach (var (name, zoneFile) in zones)
        {
            File.WriteAllText(ZonePath(directory, name), zoneFile);
            zoneList.Append(CultureInfo.InvariantCulture, $"  - domain: {name}\n    file: \"{ZonePath(directory, name)}\"\n");
        }

        string config = string.Create(CultureInfo.InvariantCulture, $"""
            server:
                listen: 127.0.0.1@{port}
                rundir: "{run}"
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1

            control:
                listen: "{Path.Combine(run, "knot.sock")}"

            log:
              - target: stderr
                any: warning

            database:
                storage: "{db}"

            zone:

            """) + zoneList;
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
        var client = LoopbackDnsClient.Create(EndPoint, timeout: TimeSpan.FromMilliseconds(200));
        long started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < StartupTimeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                var response = await client.QueryAsync(probeName, QueryType.A).ConfigureAwait(false);
                if (!response.HasError && response.Answers.Count > 0)
                {
                    return true;
                }
            }
            catch (DnsResponseException)
            {
                // No answer yet: knotd is still loading, or its socket is not bound yet.
            }

            // Bounded poll.
            await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
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
}

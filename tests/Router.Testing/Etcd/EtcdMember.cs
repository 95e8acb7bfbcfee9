using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Router.Testing.Etcd;

/// <summary>
/// One member of an <see cref="EtcdCluster"/>: its name, its URLs and data directory (kept across restarts) and the
/// etcd process while it runs.
/// </summary>
public sealed class EtcdMember
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    private readonly EtcdTlsFiles? _tls;

    internal EtcdMember(string name, string address, int clientPort, int peerPort, string dataDirectory, EtcdTlsFiles? tls)
    {
        Name = name;
        _tls = tls;
        ClientUrl = string.Create(CultureInfo.InvariantCulture, $"{(tls is null ? "http" : "https")}://{address}:{clientPort}");
        PeerUrl = string.Create(CultureInfo.InvariantCulture, $"http://{address}:{peerPort}");
        DataDirectory = dataDirectory;
    }

    /// <summary>The member's name (<c>m0</c>, <c>m1</c>, <c>m2</c>).</summary>
    public string Name { get; }

    /// <summary>Where clients connect (<c>http://127.x.y.z:port</c>).</summary>
    public string ClientUrl { get; }

    /// <summary>Where the other members connect.</summary>
    public string PeerUrl { get; }

    /// <summary>Its data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>Whether its process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What etcd logged (warnings and errors), for assertion messages.</summary>
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

    internal void Launch(string etcd, string initialCluster, string clusterToken)
    {
        var start = new ProcessStartInfo(etcd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--name", Name,
            "--data-dir", DataDirectory,
            "--listen-client-urls", ClientUrl,
            "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl,
            "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", clusterToken,

            // Fast enough for tests, slow enough for a busy machine: a heartbeat every 100 ms, an election after 1 s.
            "--heartbeat-interval", "100",
            "--election-timeout", "1000",
            "--pre-vote=true",
            "--logger", "zap",
            "--log-level", "warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (_tls is not null)
        {
            foreach (string argument in new[] { "--cert-file", _tls.CertificateFile, "--key-file", _tls.KeyFile })
            {
                start.ArgumentList.Add(argument);
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"etcd {Name} did not start");
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Sends <paramref name="signal"/> and waits (bounded) until the process has exited.</summary>
    internal async Task SignalAndWaitAsync(int signal)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            ProcessSignals.Send(process.Id, signal);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        process.Dispose();
        _process = null;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}

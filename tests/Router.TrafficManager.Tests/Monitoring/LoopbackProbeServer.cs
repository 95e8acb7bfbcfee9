using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>A request as <see cref="LoopbackProbeServer"/> received it.</summary>
internal sealed record ReceivedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A tiny HTTP/1.1 (optionally HTTPS) server on a loopback address and port 0 whose answer the test flips: a status
/// code, or no answer at all. It records every request. One request per connection, as the prober sends.
/// </summary>
internal sealed class LoopbackProbeServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly Task _accepting;
    private int _connections;

    private LoopbackProbeServer(IPAddress address, X509Certificate2? certificate, int port = 0)
    {
        _certificate = certificate;
        _listener = new TcpListener(address, port);
        _listener.Start();
        Address = address;
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>The status code answered. <value>The default value is 200.</value></summary>
    public int Status { get; set; } = 200;

    /// <summary>A <c>Location</c> header to send (for redirects).</summary>
    public string? Location { get; set; }

    /// <summary>Read the request and never answer (the connection stays open).</summary>
    public bool Hang { get; set; }

    /// <summary>Runs when a request has been read, before it is answered (to change the world mid-probe).</summary>
    public Func<ReceivedRequest, Task>? BeforeAnswer { get; set; }

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public int Connections => Volatile.Read(ref _connections);

    public static LoopbackProbeServer Start(IPAddress? address = null) => new(address ?? IPAddress.Loopback, null);

    /// <summary>Starts on a given port of 127.0.0.1 (one from <see cref="ClosedPort"/>).</summary>
    public static LoopbackProbeServer StartOn(int port) => new(IPAddress.Loopback, null, port);

    public static LoopbackProbeServer StartTls(IPAddress? address = null) => new(address ?? IPAddress.Loopback, CreateSelfSignedCertificate());

    /// <summary>A port on 127.0.0.1 that nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _listener.Dispose();
        _certificate?.Dispose();
        _stop.Dispose();
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=probe.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("probe.test");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        // SslStream on Linux wants a certificate whose key came from a PKCS#12 blob.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                    stream = tls;
                }

                await using (stream)
                {
                    var request = await ReadRequestAsync(stream, _stop.Token);
                    if (request is null)
                    {
                        return;
                    }

                    _requests.Enqueue(request);
                    if (BeforeAnswer is { } beforeAnswer)
                    {
                        await beforeAnswer(request);
                    }

                    if (Hang)
                    {
                        await Task.Delay(System.Threading.Timeout.Infinite, _stop.Token);
                    }

                    string location = Location is null ? string.Empty : $"Location: {Location}\r\n";
                    byte[] response = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 {Status} Probe\r\n{location}Content-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
                    await stream.WriteAsync(response, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException
                or System.Security.Authentication.AuthenticationException)
            {
                // The prober went away (timeout) or the test is over.
            }
        }
    }

    private static async Task<ReceivedRequest?> ReadRequestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeaderBytes];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return null;
            }

            length += read;
            string text = Encoding.ASCII.GetString(buffer, 0, length);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var lines = text[..end].Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            return new ReceivedRequest(requestLine[0], requestLine[1], headers);
        }

        return null;
    }
}

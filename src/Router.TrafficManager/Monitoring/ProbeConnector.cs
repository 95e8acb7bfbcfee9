using System.Net;
using System.Net.Sockets;
using Router.Http;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// Opens a probe attempt's TCP connection: the connect step of the TCP attempt and of the HTTP handler, so its timeout
/// is per attempt and a failure here is known to be a connect failure (what lets the fallback run).
/// </summary>
/// <remarks>Timeouts run on the injected <see cref="TimeProvider"/>. Thread-safe.</remarks>
internal sealed class ProbeConnector(TimeProvider timeProvider)
{
    /// <summary>Connects to <paramref name="host"/> (an address, an address in brackets or a DNS name) within <paramref name="budget"/>, for sending.</summary>
    /// <exception cref="ConnectException">The connection could not be made.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<Socket> ConnectAsync(string host, int port, TimeSpan budget, CancellationToken cancellationToken) =>
        ConnectAsync(host, port, budget, sends: true, cancellationToken);

    /// <summary>Connects to <paramref name="host"/> within <paramref name="budget"/>.</summary>
    /// <param name="host">An address, an address in brackets or a DNS name.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="budget">The connect timeout.</param>
    /// <param name="sends">Whether data will be sent (HTTP): then Nagle is switched off; a TCP probe only connects, and saves the call.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="ConnectException">The connection could not be made.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Socket> ConnectAsync(string host, int port, TimeSpan budget, bool sends, CancellationToken cancellationToken)
    {
        var endPoint = EndPointFor(host, port);
        // An IPv4 address gets an IPv4 socket: the dual-mode one (names, IPv6) costs a setsockopt, and an IPv4 connect
        // through it goes the IPv4-mapped way.
        var socket = endPoint is IPEndPoint { AddressFamily: AddressFamily.InterNetwork }
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(Clamp(budget), timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            if (sends)
            {
                socket.NoDelay = true;
            }

            await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ConnectException($"connect timeout after {FailureWording.Seconds(budget)} s", fallbackEligible: true, inner: null);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ConnectException(FailureWording.DescribeSocketError(ex),
                fallbackEligible: ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.TimedOut, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static TimeSpan Clamp(TimeSpan timeout) =>
        timeout <= TimeSpan.Zero ? TimeSpan.FromTicks(1) : timeout > ProbeSettings.MaxTimeout ? ProbeSettings.MaxTimeout : timeout;

    private static EndPoint EndPointFor(string host, int port)
    {
        var bare = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(bare, port);
    }

    /// <summary>The connection could not be made; thrown by <c>ConnectAsync</c> (and wrapped by the HTTP handler).</summary>
    internal sealed class ConnectException(string message, bool fallbackEligible, Exception? inner) : IOException(message, inner)
    {
        /// <summary>Refused or timed out: the contract's "cannot connect at all", which lets the fallback run.</summary>
        public bool FallbackEligible { get; } = fallbackEligible;
    }
}

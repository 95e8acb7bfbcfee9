using System.Net.Sockets;
using System.Security.Authentication;

namespace Router.Testing.Http;

/// <summary>
/// The HTTP client failures whose wording Router.Http writes once, each with the one sentence every caller must give
/// for it: the health monitor's Http and registry checks (<c>HttpCheck.Describe</c>) and the traffic manager's probes
/// (<c>HttpProbeAttempt.DescribeFailure</c>). Tests take a case by <see cref="Names"/> (a string, so each case is its own
/// test) and build it with <see cref="Create"/>.
/// </summary>
public static class FailureWordingCases
{
    private static readonly (string Name, Func<Exception> Create, string Sentence)[] Cases =
    [
        ("refused", () => Connect(SocketError.ConnectionRefused), "connection refused"),
        ("reset", () => Connect(SocketError.ConnectionReset), "connection reset by the server"),
        ("aborted", () => Connect(SocketError.ConnectionAborted), "connection aborted"),
        ("connect timed out", () => Connect(SocketError.TimedOut), "connection timed out"),
        ("host not found", () => Connect(SocketError.HostNotFound), "host not found"),
        ("no such record", () => Connect(SocketError.NoData), "host not found"),
        ("resolver busy", () => Connect(SocketError.TryAgain), "name resolution failed (try again)"),
        ("host unreachable", () => Connect(SocketError.HostUnreachable), "host unreachable"),
        ("network unreachable", () => Connect(SocketError.NetworkUnreachable), "network unreachable"),
        ("network down", () => Connect(SocketError.NetworkDown), "network down"),
        ("shut down", () => Connect(SocketError.Shutdown), "connection closed"),
        ("not connected", () => Connect(SocketError.NotConnected), "connection closed"),
        ("other socket error", () => Connect(SocketError.AddressAlreadyInUse, "Address already in use"),
            "socket error AddressAlreadyInUse: Address already in use"),
        ("reset while reading", () => new HttpIOException(HttpRequestError.Unknown, "Unable to read data",
            new IOException("Unable to read data", new SocketException((int)SocketError.ConnectionReset))), "connection reset by the server"),
        ("name resolution", () => new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known"), "host not found"),
        ("TLS", () => new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established",
            new AuthenticationException("The remote certificate was rejected")), "TLS handshake failed: The remote certificate was rejected"),
        ("response ended", () => new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely"),
            "connection closed before the response was complete"),
        ("response ended while reading", () => new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely"),
            "connection closed before the response was complete"),
        ("invalid response", () => new HttpRequestException(HttpRequestError.InvalidResponse, "The server returned an invalid response",
            new FormatException("Received an invalid status line: 'SSH-2.0'")), "invalid HTTP response: Received an invalid status line: 'SSH-2.0'"),
        ("connection error", () => new HttpRequestException(HttpRequestError.ConnectionError, "Connection failed",
            new IOException("The proxy tunnel failed")), "connection failed: The proxy tunnel failed"),
        ("limit", () => new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, "The response exceeded a limit",
            new InvalidOperationException("The response headers exceed 64 KiB")), "response exceeds a limit: The response headers exceed 64 KiB"),
    ];

    /// <summary>Every case's name, as theory data.</summary>
    public static IEnumerable<object[]> Names => Cases.Select(c => new object[] { c.Name });

    /// <summary>A fresh exception of the case, and the sentence for it.</summary>
    public static (Exception Exception, string Sentence) Create(string name)
    {
        var (_, create, sentence) = Cases.Single(c => c.Name == name);
        return (create(), sentence);
    }

    /// <summary>What <c>SocketsHttpHandler</c> throws when its connect fails: the socket error inside a connection error.</summary>
    private static HttpRequestException Connect(SocketError error, string? message = null) =>
        new(HttpRequestError.ConnectionError, "Connection failed",
            message is null ? new SocketException((int)error) : new SocketException((int)error, message));
}

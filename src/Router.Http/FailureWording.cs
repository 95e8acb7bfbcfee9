using System.Globalization;
using System.Net.Sockets;

namespace Router.Http;

/// <summary>
/// HTTP and socket failures in an operator's words (<c>connection refused</c>, <c>host not found</c>), written once so
/// that a health check's <c>lastError</c> and a traffic manager probe's error say the same thing for the same fault.
/// </summary>
/// <remarks>
/// Each caller words what these do not recognise in its own way (the health monitor: the innermost message, or
/// Inconclusive for what is not a network error; the traffic manager: <c>probe failed: …</c>), and each keeps its own
/// timeout sentence, which its contract quotes.
/// </remarks>
internal static class FailureWording
{
    /// <summary>
    /// A socket error in words (<c>connection refused</c>), or null when <paramref name="exception"/> and its inner
    /// exceptions hold none.
    /// </summary>
    public static string? DescribeSocketError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket)
            {
                return DescribeSocketError(socket);
            }
        }

        return null;
    }

    /// <summary>One socket error in words: <c>connection refused</c>, <c>connection reset by the server</c>, …</summary>
    public static string DescribeSocketError(SocketException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.ConnectionReset => "connection reset by the server",
            SocketError.ConnectionAborted => "connection aborted",
            SocketError.TimedOut => "connection timed out",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.TryAgain => "name resolution failed (try again)",
            SocketError.HostUnreachable => "host unreachable",
            SocketError.NetworkUnreachable => "network unreachable",
            SocketError.NetworkDown => "network down",
            SocketError.Shutdown or SocketError.NotConnected => "connection closed",
            _ => $"socket error {exception.SocketErrorCode}: {exception.Message}",
        };
    }

    /// <summary>
    /// An HTTP client failure in words: the socket error inside it when there is one (<see cref="DescribeSocketError(Exception)"/>),
    /// else what <see cref="HttpRequestException.HttpRequestError"/> (or <see cref="HttpIOException.HttpRequestError"/>)
    /// says; null when neither says what happened, so the caller words it.
    /// </summary>
    public static string? DescribeHttpError(Exception exception)
    {
        string? socket = DescribeSocketError(exception);
        if (socket is not null)
        {
            return socket;
        }

        var error = exception switch
        {
            HttpRequestException request => request.HttpRequestError,
            HttpIOException io => io.HttpRequestError,
            _ => HttpRequestError.Unknown,
        };
        return error switch
        {
            HttpRequestError.NameResolutionError => "host not found",
            HttpRequestError.SecureConnectionError => $"TLS handshake failed: {Innermost(exception)}",
            HttpRequestError.ResponseEnded => "connection closed before the response was complete",
            HttpRequestError.InvalidResponse => $"invalid HTTP response: {Innermost(exception)}",
            HttpRequestError.ConnectionError => $"connection failed: {Innermost(exception)}",
            HttpRequestError.ConfigurationLimitExceeded => $"response exceeds a limit: {Innermost(exception)}",
            _ => null,
        };
    }

    /// <summary>The message of the innermost exception: the one that says what went wrong, not which layer noticed.</summary>
    public static string Innermost(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception.Message;
    }

    /// <summary>Seconds as an operator reads them: <c>3</c>, <c>0.5</c>, <c>12.25</c>.</summary>
    public static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}

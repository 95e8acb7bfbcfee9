using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace Router.Cluster.Etcd;

/// <summary>Puts why a call to etcd failed in an operator's words (<c>connection refused</c>, <c>no answer within 1 s</c>).</summary>
internal static class EtcdFailure
{
    private const string ConnectionRefused = "connection refused";
    private const string ConnectionReset = "connection reset";
    private const string HostNotFound = "host not found";

    /// <summary>
    /// Why <paramref name="exception"/> ended a call; <paramref name="timedOut"/> says whether the call's own timeout
    /// (<paramref name="timeout"/>) had fired, which gRPC reports as a cancellation.
    /// </summary>
    public static string Describe(Exception exception, bool timedOut, TimeSpan timeout)
    {
        if (timedOut)
        {
            return string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.#} s");
        }

        switch (exception)
        {
            case EtcdSessionException session:
                return session.Message;
            case RpcException rpc when rpc.StatusCode == StatusCode.DeadlineExceeded:
                return string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.#} s");
            case RpcException rpc when rpc.Status.Detail.Contains("no leader", StringComparison.OrdinalIgnoreCase):
                return "no leader: cut off from the etcd quorum";
            case RpcException rpc when rpc.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied:
                return "authentication failed: " + rpc.Status.Detail;
            case RpcException rpc:
                return Inner(rpc.Status.DebugException) ?? Inner(rpc.InnerException) ?? rpc.Status.Detail;
            default:
                return Inner(exception) ?? exception.Message;
        }
    }

    /// <summary>The one reason for failures at several endpoints: <c>connection refused (a:2379, b:2379)</c>, grouped by reason.</summary>
    public static string Combine(IEnumerable<(string Endpoint, string Reason)> failures) =>
        string.Join("; ", failures
            .GroupBy(failure => failure.Reason, StringComparer.Ordinal)
            .Select(group => $"{group.Key} ({string.Join(", ", group.Select(failure => failure.Endpoint))})"));

    /// <summary>Whether <paramref name="reason"/> (from <see cref="Describe"/>) says that nothing listens at the endpoint.</summary>
    public static bool IsNotListening(string reason) => reason is ConnectionRefused or ConnectionReset or HostNotFound;

    /// <summary>Whether <paramref name="exception"/> is one etcd answers while it elects a leader (worth another try).</summary>
    public static bool IsTransient(Exception exception) =>
        exception is RpcException { StatusCode: StatusCode.Unavailable } rpc &&
        (rpc.Status.Detail.Contains("leader changed", StringComparison.OrdinalIgnoreCase) ||
         rpc.Status.Detail.Contains("no leader", StringComparison.OrdinalIgnoreCase) ||
         rpc.Status.Detail.Contains("request timed out", StringComparison.OrdinalIgnoreCase));

    private static string? Inner(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return ConnectionRefused;
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return "connect timed out";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return HostNotFound;
                case SocketException { SocketErrorCode: SocketError.ConnectionReset }:
                    return ConnectionReset;
                case SocketException socket:
                    return socket.Message;
                case AuthenticationException tls:
                    return "TLS: " + tls.Message;
                case TimeoutException:
                    return "connect timed out";
            }
        }

        return null;
    }
}

using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Router.Cli.Commands;

namespace Router.Cli.Tests.Commands;

/// <summary>Which start-up failures <c>router serve</c> reports as "cannot listen" (the rest: "cannot start").</summary>
public sealed class ServeStartFailureTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        // The DNS listeners, and Kestrel on an IP address refused by the OS (a privileged port, an address not here).
        { new SocketException((int)SocketError.AccessDenied), true },
        // Kestrel: an address in use.
        { new IOException("Failed to bind to address http://127.0.0.1:8081: address already in use.", new AddressInUseException("in use")), true },
        // Kestrel on "localhost": both loopback binds failed.
        { new IOException("Failed to bind to address http://localhost:80.", new AggregateException(new SocketException((int)SocketError.AccessDenied), new SocketException((int)SocketError.AccessDenied))), true },
        // Not a listening problem: a content root the process cannot see, a file that is not there.
        { new DirectoryNotFoundException("/root/router/bin/"), false },
        { new IOException("Failed to bind", new AggregateException(new SocketException((int)SocketError.AccessDenied), new InvalidOperationException("other"))), false },
        { new InvalidOperationException("no"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsListenFailure_ClassifiesStartFailures(Exception failure, bool expected) =>
        Assert.Equal(expected, ServeCommand.IsListenFailure(failure));
}

using System.Net;
using System.Net.Sockets;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

public sealed class TcpCheckTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckAsync_Listening_Success()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var check = new TcpCheck(new HostEndpoint("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port), TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
        Assert.Equal("Tcp", check.Type);
    }

    [Fact]
    public async Task CheckAsync_HostNameResolvedToLoopback_Success()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var check = new TcpCheck(new HostEndpoint("localhost", ((IPEndPoint)listener.LocalEndPoint!).Port), TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_NothingListening_FailureConnectionRefused()
    {
        var check = new TcpCheck(new HostEndpoint("127.0.0.1", ExternalProcess.FreeTcpPort()), TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("connection refused", result.Error);
    }
}

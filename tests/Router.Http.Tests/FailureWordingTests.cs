using System.Net.Sockets;
using Router.Testing.Http;

namespace Router.Http.Tests;

/// <summary>Each kind of HTTP and socket failure gets one sentence, the same for the health monitor and the traffic manager.</summary>
public sealed class FailureWordingTests
{
    [Theory]
    [MemberData(nameof(FailureWordingCases.Names), MemberType = typeof(FailureWordingCases))]
    public void DescribeHttpError_EachKind_OneSentence(string name)
    {
        var (exception, sentence) = FailureWordingCases.Create(name);

        Assert.Equal(sentence, FailureWording.DescribeHttpError(exception));
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, "connection refused")]
    [InlineData(SocketError.ConnectionReset, "connection reset by the server")]
    [InlineData(SocketError.ConnectionAborted, "connection aborted")]
    [InlineData(SocketError.TimedOut, "connection timed out")]
    [InlineData(SocketError.HostNotFound, "host not found")]
    [InlineData(SocketError.NoData, "host not found")]
    [InlineData(SocketError.TryAgain, "name resolution failed (try again)")]
    [InlineData(SocketError.HostUnreachable, "host unreachable")]
    [InlineData(SocketError.NetworkUnreachable, "network unreachable")]
    [InlineData(SocketError.NetworkDown, "network down")]
    [InlineData(SocketError.Shutdown, "connection closed")]
    [InlineData(SocketError.NotConnected, "connection closed")]
    public void DescribeSocketError_BareOrWrapped_SameSentence(SocketError error, string sentence)
    {
        var socket = new SocketException((int)error);

        Assert.Equal(sentence, FailureWording.DescribeSocketError(socket));
        Assert.Equal(sentence, FailureWording.DescribeSocketError((Exception)socket));
        Assert.Equal(sentence, FailureWording.DescribeSocketError(new IOException("outer", new InvalidOperationException("middle", socket))));
    }

    [Fact]
    public void DescribeSocketError_OtherCode_NamesCodeAndMessage()
    {
        Assert.Equal("socket error AccessDenied: Permission denied",
            FailureWording.DescribeSocketError(new SocketException((int)SocketError.AccessDenied, "Permission denied")));
    }

    [Fact]
    public void DescribeSocketError_NoSocketErrorInside_Null()
    {
        Assert.Null(FailureWording.DescribeSocketError(new IOException("disk", new InvalidOperationException("inner"))));
    }

    [Fact]
    public void DescribeHttpError_NothingRecognised_NullForTheCallerToWord()
    {
        Assert.Null(FailureWording.DescribeHttpError(new HttpRequestException(HttpRequestError.Unknown, "something", new InvalidOperationException("inner"))));
        Assert.Null(FailureWording.DescribeHttpError(new HttpRequestException(HttpRequestError.UserAuthenticationError, "proxy auth")));
        Assert.Null(FailureWording.DescribeHttpError(new InvalidOperationException("not a network error")));
    }

    [Fact]
    public void Innermost_Chain_DeepestMessage()
    {
        Assert.Equal("deepest", FailureWording.Innermost(new IOException("outer", new InvalidOperationException("middle", new FormatException("deepest")))));
        Assert.Equal("alone", FailureWording.Innermost(new IOException("alone")));
    }

    [Theory]
    [InlineData(3_000, "3")]
    [InlineData(500, "0.5")]
    [InlineData(12_250, "12.25")]
    [InlineData(1, "0.001")]
    public void Seconds_AsAnOperatorReadsThem(int milliseconds, string expected)
    {
        Assert.Equal(expected, FailureWording.Seconds(TimeSpan.FromMilliseconds(milliseconds)));
    }
}

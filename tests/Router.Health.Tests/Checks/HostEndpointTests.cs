using Router.Health.Checks;

namespace Router.Health.Tests.Checks;

public sealed class HostEndpointTests
{
    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1", 6379)]
    [InlineData("cache.internal:6379", "cache.internal", 6379)]
    [InlineData("[::1]:6379", "::1", 6379)]
    [InlineData("localhost:1", "localhost", 1)]
    [InlineData("db:65535", "db", 65535)]
    public void TryParse_HostPort_Parsed(string text, string host, int port)
    {
        Assert.True(HostEndpoint.TryParse(text, out var endpoint));
        Assert.Equal(new HostEndpoint(host, port), endpoint);
        Assert.Equal(text, endpoint.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData(":6379")]
    [InlineData("host:")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:+80")]
    [InlineData("host:80x")]
    [InlineData("::1:6379")]
    [InlineData("[::1]6379")]
    [InlineData("[cache]:6379")]
    [InlineData("bad host:6379")]
    [InlineData("redis://cache:6379")]
    public void TryParse_NotHostPort_Rejected(string text)
    {
        Assert.False(HostEndpoint.TryParse(text, out _));
    }
}

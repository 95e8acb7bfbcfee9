namespace Router.Http.Tests;

public sealed class ConfiguredHeadersTests
{
    [Fact]
    public void Apply_HostAndDefaults_AsDocumented()
    {
        // Arrange: a request with a default User-Agent, as the check and the probe send
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://127.0.0.1:8080/health"));
        request.Headers.TryAddWithoutValidation("User-Agent", "router-default");

        // Act
        ConfiguredHeaders.Apply(request, [
            new("host", "registry.example.test:5000"),
            new("User-Agent", "custom-agent"),
            new("X-Probe", "router"),
        ]);

        // Assert: Host names the site (the URL still says where to connect), the configured agent replaces the default
        Assert.Equal("registry.example.test:5000", request.Headers.Host);
        Assert.Equal("127.0.0.1", request.RequestUri!.Host);
        Assert.Equal(["custom-agent"], request.Headers.GetValues("User-Agent"));
        Assert.Equal(["router"], request.Headers.GetValues("X-Probe"));
    }

    [Fact]
    public void Apply_ContentHeader_LeftOut()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://127.0.0.1:8080/health"));

        ConfiguredHeaders.Apply(request, [new("Content-Type", "application/json"), new("X-Probe", "router")]);

        Assert.False(request.Headers.NonValidated.Contains("Content-Type"));
        Assert.Null(request.Content);
        Assert.Equal(["router"], request.Headers.GetValues("X-Probe"));
    }
}

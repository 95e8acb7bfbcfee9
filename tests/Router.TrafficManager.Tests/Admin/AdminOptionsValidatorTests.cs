using System.Net;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Tests.Admin;

public sealed class AdminOptionsValidatorTests
{
    private const string Token = "0123456789abcdef-token";

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Theory]
    [InlineData(null)]
    [InlineData("http://127.0.0.1:8053")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://[::1]:8053/")]
    [InlineData("http://127.0.0.9")]
    public void Validate_LoopbackWithoutToken_IsValid(string? listen)
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { Listen = listen }, "Admin", NoEnvironment);

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8053")]
    [InlineData("http://[::]:8053")]
    [InlineData("http://10.1.2.3:8053")]
    public void Validate_NotLoopbackWithoutToken_RequiresToken(string listen)
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { Listen = listen }, "Admin", NoEnvironment);

        // Assert
        Assert.Equal(["Admin:BearerToken: required when Admin:Listen is not a loopback address (or set ROUTER_ADMIN_TOKEN)"], errors);
    }

    [Fact]
    public void Validate_NotLoopbackWithConfiguredToken_IsValid()
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { Listen = "http://0.0.0.0:8053", BearerToken = Token }, "Admin", NoEnvironment);

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_NotLoopbackWithEnvironmentToken_IsValid()
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { Listen = "http://0.0.0.0:8053" }, "Admin",
            name => name == "ROUTER_ADMIN_TOKEN" ? Token : null);

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("localhost:8053", "'localhost:8053' is not an http://IP:PORT URL")]
    [InlineData("8053", "'8053' is not an http://IP:PORT URL")]
    [InlineData("ftp://127.0.0.1:21", "'ftp://127.0.0.1:21' is not an http://IP:PORT URL")]
    [InlineData("http://localhost:8053", "'http://localhost:8053': the host must be an IP address (127.0.0.1, [::1], 0.0.0.0), not a name")]
    [InlineData("http://127.0.0.1:8053/admin", "'http://127.0.0.1:8053/admin' must be just http://IP:PORT (no path, query or user)")]
    [InlineData("https://127.0.0.1:8443", "'https://127.0.0.1:8443': https is not supported (there is no certificate setting); listen on http:// and put a TLS proxy in front")]
    public void Validate_BadListen_ReportsWithPath(string listen, string reason)
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { Listen = listen }, "Admin", NoEnvironment);

        // Assert
        Assert.Equal([$"Admin:Listen: {reason}"], errors);
    }

    [Theory]
    [InlineData("short", "must be at least 16 characters")]
    [InlineData("", "must be at least 16 characters")]
    [InlineData("0123456789abcdef with space", "must be visible ASCII characters only (no spaces or control characters)")]
    public void Validate_BadConfiguredToken_Reports(string token, string reason)
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { BearerToken = token }, "Admin", NoEnvironment);

        // Assert
        Assert.Equal([$"Admin:BearerToken: {reason}"], errors);
    }

    [Fact]
    public void Validate_ShortEnvironmentToken_NamesTheVariable()
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions(), "Admin", _ => "short");

        // Assert
        Assert.Equal(["Admin:BearerToken: ROUTER_ADMIN_TOKEN must be at least 16 characters"], errors);
    }

    [Fact]
    public void Validate_EveryError_IsReportedUnderTheGivenPath()
    {
        // Act
        var errors = AdminOptionsValidator.Validate(new AdminOptions { Listen = "nope", BearerToken = "x", StateFile = " " }, "Other", NoEnvironment);

        // Assert
        Assert.Equal(
        [
            "Other:Listen: 'nope' is not an http://IP:PORT URL",
            "Other:BearerToken: must be at least 16 characters",
            "Other:StateFile: must be a file path (or left out for router-state.json next to the configuration file)",
        ], errors);
    }

    [Fact]
    public void EffectiveToken_ConfiguredTokenWinsOverEnvironment()
    {
        // Act / Assert
        Assert.Equal(Token, AdminOptionsValidator.EffectiveToken(new AdminOptions { BearerToken = Token }, _ => "environment-token-123"));
        Assert.Equal("environment-token-123", AdminOptionsValidator.EffectiveToken(new AdminOptions(), _ => "environment-token-123"));
        Assert.Null(AdminOptionsValidator.EffectiveToken(new AdminOptions(), _ => ""));
    }

    [Fact]
    public void TryParseListen_Default_IsLoopback8053()
    {
        // Act
        bool parsed = AdminOptionsValidator.TryParseListen(null, out var endPoint, out string? error);

        // Assert
        Assert.True(parsed);
        Assert.Null(error);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8053), endPoint);
    }
}

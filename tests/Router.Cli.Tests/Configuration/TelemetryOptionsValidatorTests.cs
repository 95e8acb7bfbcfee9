using System.Text;
using Microsoft.Extensions.Configuration;
using Router.Cli.Configuration;

namespace Router.Cli.Tests.Configuration;

/// <summary>The <c>Telemetry</c> section as <c>router validate</c> reads it: bound, and every error reported by key path.</summary>
public sealed class TelemetryOptionsValidatorTests
{
    private const string Dns = """ "Dns": { "Listen": [ "127.0.0.1:0" ] } """;

    [Fact]
    public void Validate_FullSection_BindsEveryKey()
    {
        // Arrange
        var root = Json($$"""
            { {{Dns}}, "Telemetry": {
                "ServiceName": "router-eastus",
                "Otlp": { "Enabled": true, "Endpoint": "http://collector:4318", "Protocol": "HttpProtobuf",
                          "Headers": { "api-key": "k-123" }, "TimeoutSeconds": 5 },
                "Metrics": { "ExportIntervalSeconds": 15, "Runtime": false, "CardinalityLimit": 5000 },
                "Tracing": { "Enabled": true, "SampleRatio": 0.25 },
                "Logs": { "Enabled": false } } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var telemetry = loaded.Options!.Telemetry!;
        Assert.Equal("router-eastus", telemetry.ServiceName);
        Assert.True(telemetry.Otlp.Enabled);
        Assert.Equal("http://collector:4318", telemetry.Otlp.Endpoint);
        Assert.Equal(OtlpProtocol.HttpProtobuf, telemetry.Otlp.Protocol);
        Assert.Equal("k-123", telemetry.Otlp.Headers["api-key"]);
        Assert.Equal(5, telemetry.Otlp.TimeoutSeconds);
        Assert.Equal(15, telemetry.Metrics.ExportIntervalSeconds);
        Assert.False(telemetry.Metrics.Runtime);
        Assert.Equal(5000, telemetry.Metrics.CardinalityLimit);
        Assert.Equal(0.25, telemetry.Tracing.SampleRatio);
        Assert.False(telemetry.Logs.Enabled);
    }

    [Fact]
    public void Validate_NoSection_TelemetryNull()
    {
        // Act
        var loaded = RouterConfigurationLoader.Validate(Json($$"""{ {{Dns}} }"""));

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        Assert.Null(loaded.Options!.Telemetry);
    }

    [Fact]
    public void Validate_EveryKeyWrong_EveryErrorByKeyPath()
    {
        // Arrange
        var root = Json($$"""
            { {{Dns}}, "Telemetry": {
                "ServiceName": " ",
                "Otlp": { "Enabled": "yes", "Endpoint": "collector:4317/x?y", "Protocol": "Http",
                          "Headers": { "bad name": "v", "x-tenant": "a,b" }, "TimeoutSeconds": 0 },
                "Metrics": { "ExportIntervalSeconds": -1, "CardinalityLimit": 5, "Histograms": true },
                "Tracing": { "SampleRatio": 1.5 } } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert: shape errors first (keys in configuration order), then the validator's.
        Assert.False(loaded.IsValid);
        Assert.Equal(
            [
                "Telemetry:Metrics:Histograms: unknown key (known here: ExportIntervalSeconds, Runtime, CardinalityLimit)",
                "Telemetry:Otlp:Enabled: 'yes' is not true or false",
                "Telemetry:Otlp:Protocol: 'Http' is not one of Grpc, HttpProtobuf",
                "Telemetry:ServiceName: must not be empty (leave it out for OTEL_SERVICE_NAME or 'router')",
                "Telemetry:Otlp:Endpoint: 'collector:4317/x?y' is not an http:// or https:// URL (e.g. http://127.0.0.1:4317)",
                "Telemetry:Otlp:Headers:bad name: the header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
                "Telemetry:Otlp:Headers:x-tenant: the value must not contain commas or control characters",
                "Telemetry:Otlp:TimeoutSeconds: must be more than 0 and at most 86400 seconds, not 0",
                "Telemetry:Metrics:ExportIntervalSeconds: must be more than 0 and at most 86400 seconds, not -1",
                "Telemetry:Metrics:CardinalityLimit: must be 10-1000000, not 5",
                "Telemetry:Tracing:SampleRatio: must be 0-1 (the share of traces recorded), not 1.5",
            ],
            loaded.Errors);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4317", null)]
    [InlineData("https://otlp.example.test/otlp", null)]
    [InlineData("http://user:pw@collector:4317", "must have no query, fragment or user (send credentials in Headers)")]
    [InlineData("ftp://collector", "is not an http:// or https:// URL (e.g. http://127.0.0.1:4317)")]
    public void Validate_OtlpEndpoint_HttpOrHttpsUrlWithoutCredentials(string endpoint, string? error)
    {
        // Act
        var errors = TelemetryOptionsValidator.Validate(new TelemetryOptions { Otlp = { Endpoint = endpoint } });

        // Assert
        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal($"Telemetry:Otlp:Endpoint: '{endpoint}' {error}", Assert.Single(errors));
        }
    }

    private static IConfigurationRoot Json(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }
}

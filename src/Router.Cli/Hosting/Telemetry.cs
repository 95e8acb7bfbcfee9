using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;

namespace Router.Cli.Hosting;

/// <summary>
/// OpenTelemetry wiring, in Router.Cli only: when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, every <c>Router.*</c>
/// meter and the logs are exported over OTLP (the exporter reads the standard OTEL_* variables).
/// </summary>
internal static class Telemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void AddOpenTelemetryWhenConfigured(HostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable)))
        {
            return;
        }

        builder.Services.AddSingleton(sp =>
        {
            // Instruments created through IMeterFactory are reported by the listener the provider installs.
            return Sdk.CreateMeterProviderBuilder()
                .AddMeter("Router.*")
                .AddOtlpExporter()
                .Build();
        });
        builder.Services.AddHostedService<MeterProviderActivator>();
        builder.Logging.AddOpenTelemetry(o => o.AddOtlpExporter());
    }

    /// <summary>Makes sure the meter provider exists from start-up, and is disposed (flushed) at shutdown.</summary>
    private sealed class MeterProviderActivator(MeterProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            provider.ForceFlush(2000);
            return Task.CompletedTask;
        }
    }
}

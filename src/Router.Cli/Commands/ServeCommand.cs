using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Router.Cli.Configuration;
using Router.Cluster;
using Router.Cli.Hosting;
using Router.Dns.Server;
using Router.Health.Http;
using Router.Health.Monitoring;
using Router.TrafficManager;
using Router.TrafficManager.Admin;
using Router.TrafficManager.Dns;

namespace Router.Cli.Commands;

/// <summary><c>router serve [--config FILE]</c>: runs every role the file configures, or the built-in demo.</summary>
internal static partial class ServeCommand
{
    public static async Task<int> RunAsync(string? configPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        RouterOptions options;
        Microsoft.Extensions.Configuration.IConfiguration? loggingConfiguration = null;
        string? demoStorage = null;
        Router.Health.Configuration.HealthOptions? demoSecondRegion = null;
        if (configPath is null)
        {
            demoStorage = Directory.CreateTempSubdirectory("router-demo-").FullName;
            (options, demoSecondRegion) = DemoConfiguration.Create(demoStorage);
            Directory.CreateDirectory(DemoConfiguration.Storage(demoStorage, "eastus"));
            Directory.CreateDirectory(DemoConfiguration.Storage(demoStorage, "westeurope"));
        }
        else
        {
            RouterOptions? loadedOptions;
            IConfiguration? logging;
            IReadOnlyList<string> errors;
            using (LoadingSignals.Watch(configPath, error))
            {
                (loadedOptions, logging, errors) = Load(configPath);
            }

            if (loadedOptions is null)
            {
                await error.WriteLineAsync($"router: {configPath} is not valid; nothing was started:").ConfigureAwait(false);
                foreach (string message in errors)
                {
                    await error.WriteLineAsync(message).ConfigureAwait(false);
                }

                return ExitCodes.InvalidInput;
            }

            options = loadedOptions;
            loggingConfiguration = logging;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        // One line per health probe request would drown the events that matter (and cost throughput).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (loggingConfiguration is not null)
        {
            builder.Logging.AddConfiguration(loggingConfiguration);
        }

        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        bool otlp = Telemetry.AddRouterTelemetry(builder.Services, options.Telemetry, options.TrafficManager, prometheus: options.Admin is not null,
            Environment.GetEnvironmentVariable);
        string? stateFile = options.TrafficManager is null ? null : StateFilePath(configPath, options.Admin?.StateFile);
        if (options.TrafficManager is not null)
        {
            var cluster = options.Cluster;
            builder.Services.AddSingleton(sp => new TrafficManagerService(
                options.TrafficManager,
                sp.GetRequiredService<ILoggerFactory>(),
                sp.GetRequiredService<IMeterFactory>(),
                sp.GetRequiredService<TimeProvider>(),
                stateFile,
                cluster is null ? null : ClusterStores.Create(cluster, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(),
                    MemberAddress(options)),
                cluster?.Quorum ?? Router.TrafficManager.Cluster.QuorumRule.Majority));
        }

        if (options.Dns is not null)
        {
            builder.Services.AddSingleton(sp => new DnsServer(
                options.Dns,
                sp.GetRequiredService<ILoggerFactory>(),
                sp.GetRequiredService<IMeterFactory>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<TrafficManagerService>() is { } trafficManager ? [trafficManager.DnsHandler] : null));
            builder.Services.AddHostedService<DnsHostedService>();
        }

        if (options.TrafficManager is not null)
        {
            // Started after the DNS server: until the first probe every endpoint is CheckingEndpoint (eligible), which is
            // what the routing snapshot made with the service already answers, so the names answer while the probes of
            // 300,000 endpoints are being scheduled; and stopped before it.
            builder.Services.AddHostedService<TrafficManagerHostedService>();
        }

        string? registriesFile = options.Health?.RegistriesFile;
        if (options.Health is not null)
        {
            // The monitor keeps what it needs (a compact topology); the options, registries and all, are let go.
            var healthOptions = options.Health;
            string? healthListen = healthOptions.Listen;
            options.Health = null;
            builder.Services.AddSingleton(sp => new HealthMonitor(
                Interlocked.Exchange(ref healthOptions, null) ?? throw new InvalidOperationException("The monitor is created once."),
                sp.GetRequiredService<ILoggerFactory>(),
                sp.GetRequiredService<IMeterFactory>(),
                sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton(sp => new HealthHttpServer(
                sp.GetRequiredService<HealthMonitor>(), healthListen, sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService<HealthHostedService>();
        }

        if (demoSecondRegion is not null)
        {
            // The demo's second region: its own monitor and endpoints, in this process. (AddHostedService would drop it:
            // it registers one service per implementation type.)
            builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp =>
            {
                var monitor = new HealthMonitor(demoSecondRegion, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<IMeterFactory>(),
                    sp.GetRequiredService<TimeProvider>());
                return new HealthHostedService(monitor, new HealthHttpServer(monitor, demoSecondRegion.Listen, sp.GetRequiredService<ILoggerFactory>()));
            });
        }

        if (options.Admin is not null)
        {
            // /metrics is OpenTelemetry's Prometheus exporter on the process's meter provider, behind the admin API's guard.
            var adminOptions = options.Admin;
            builder.Services.AddSingleton(sp => new AdminHttpServer(adminOptions, AdminControl(sp),
                sp.GetRequiredService<ILoggerFactory>(), mapEndpoints: endpoints => Telemetry.MapPrometheusScrapingEndpoint(endpoints,
                    sp.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>(), AdminHttpServer.MetricsPath)));
            builder.Services.AddHostedService<AdminHostedService>();
        }

        if (configPath is not null)
        {
            builder.Services.AddSingleton(sp => new ConfigurationWatcher(configPath, sp.GetService<DnsServer>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ConfigurationWatcher>>(), sp.GetService<HealthMonitor>(),
                sp.GetService<TrafficManagerService>(), options.Admin, options.Telemetry, options.Cluster, registriesFile));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ConfigurationWatcher>());
        }

        // Freed native memory (JIT scratch, type loading) goes back to the system, so a long run's RSS stays flat.
        builder.Services.AddHostedService(sp => new NativeMemoryTrimmer(sp.GetRequiredService<TimeProvider>(), NativeMemoryTrimmer.MallocTrim,
            NativeMemoryTrimmer.DefaultInterval));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsListenFailure(ex))
        {
            await error.WriteLineAsync($"router: cannot listen: {ex.Message} (is another server using the address, or is the port privileged?)").ConfigureAwait(false);
            DeleteDemoStorage(demoStorage);
            return ExitCodes.RuntimeFailure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested
            || host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM while starting: a clean stop, as after start-up.
            DeleteDemoStorage(demoStorage);
            return ExitCodes.Success;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync($"router: cannot start: {Describe(ex)}").ConfigureAwait(false);
            DeleteDemoStorage(demoStorage);
            return ExitCodes.RuntimeFailure;
        }

        // Loading a large configuration (a million registries) leaves gigabytes of garbage behind in the old
        // generation; collect and compact it once now rather than carry it (and its GC cost) for the process's life.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServeCommand));
        Log.Started(logger, GC.GetGCMemoryInfo().HeapSizeBytes / (1024 * 1024));
        if (otlp)
        {
            Log.OtlpExporting(logger, options.Telemetry?.Otlp.Endpoint ?? Environment.GetEnvironmentVariable(Telemetry.EndpointVariable) ?? "the default endpoint",
                options.Telemetry?.Tracing.Enabled ?? true ? "metrics, spans" : "metrics", options.Telemetry?.Logs.Enabled ?? true ? " and logs" : string.Empty);
        }

        if (stateFile is not null && CannotWriteNextTo(stateFile) is { } reason)
        {
            Log.StateDirectoryNotWritable(logger, stateFile, reason);
        }

        if (configPath is null)
        {
            var server = host.Services.GetRequiredService<DnsServer>();
            await output.WriteLineAsync(DemoConfiguration.Instructions(server.LocalEndPoints[0].ToString(), demoStorage!)).ConfigureAwait(false);
        }

        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        DeleteDemoStorage(demoStorage);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Loads and validates the file. Not async on purpose: locals of an async method live as long as the method, and
    /// the configuration root (millions of keys for a large topology) must be garbage as soon as this returns.
    /// </summary>
    private static (RouterOptions? Options, IConfiguration? Logging, IReadOnlyList<string> Errors) Load(string configPath)
    {
        var loaded = RouterConfigurationLoader.Load(configPath);
        if (!loaded.IsValid)
        {
            return (null, null, loaded.Errors);
        }

        // Only the Logging keys are kept: copied, since the in-memory source keeps the enumerable it is given, and a lazy
        // one holds the whole configuration root (gigabytes for a million registries) for the life of the process.
        var logging = new ConfigurationBuilder()
            .AddInMemoryCollection(loaded.Root!.GetSection("Logging").AsEnumerable(makePathsRelative: false).ToList())
            .Build()
            .GetSection("Logging");
        return (loaded.Options, logging, []);
    }

    /// <summary>
    /// What the admin API answers for: the traffic manager, and with a DNS server beside it, names that reach a profile
    /// through CNAMEs of the server's static zones explained too (the one place that knows both).
    /// </summary>
    private static ITrafficManagerControl? AdminControl(IServiceProvider services) =>
        services.GetService<TrafficManagerService>() is not { } trafficManager ? null
        : services.GetService<DnsServer>() is { } dns ? new ZoneChainExplainControl(trafficManager, () => dns.Pipeline)
        : trafficManager;

    /// <summary>What an instance says about itself in the cluster, for operators: its host name and admin listener.</summary>
    private static string MemberAddress(RouterOptions options) =>
        options.Admin?.Listen is { } admin ? $"{Environment.MachineName} admin {admin}" : Environment.MachineName;

    /// <summary>
    /// Where manual endpoint settings are kept: <c>Admin:StateFile</c>, relative to the configuration file's folder,
    /// by default <c>router-state.json</c> there. The demo keeps them in memory.
    /// </summary>
    internal static string? StateFilePath(string? configPath, string? configured)
    {
        if (configPath is null)
        {
            return null;
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        return Path.GetFullPath(configured ?? "router-state.json", directory);
    }

    /// <summary>Why a file cannot be created next to <paramref name="path"/> (a read-only mount, a missing folder), or null.</summary>
    private static string? CannotWriteNextTo(string path)
    {
        try
        {
            string probe = Path.Combine(Path.GetDirectoryName(path)!, $".router-write-check-{Environment.ProcessId}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Whether starting failed because a listener could not bind: the DNS listeners and Kestrel on an IP address throw
    /// <see cref="SocketException"/>; Kestrel wraps an address in use (<see cref="AddressInUseException"/>) in an
    /// <see cref="IOException"/>, and for <c>localhost</c> both loopback failures in an <see cref="AggregateException"/> inside one.
    /// Any other I/O error (a content root that cannot be read, say) is not a listening problem and is not reported as one.
    /// </summary>
    internal static bool IsListenFailure(Exception exception) =>
        exception is SocketException
        || (exception is IOException && exception.InnerException switch
        {
            SocketException or AddressInUseException => true,
            // "localhost" binds 127.0.0.1 and ::1 and reports both failures together.
            AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => e is SocketException or AddressInUseException or IOException { InnerException: SocketException or AddressInUseException }),
            _ => false,
        });

    /// <summary><c>Type: message</c>, followed by each exception inside it the same way, in parentheses.</summary>
    private static string Describe(Exception exception)
    {
        var text = new System.Text.StringBuilder().Append(exception.GetType().Name).Append(": ").Append(exception.Message);
        var inners = exception is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(exception.InnerException is null ? [] : [exception.InnerException]);
        foreach (var inner in inners)
        {
            text.Append(" (").Append(Describe(inner)).Append(')');
        }

        return text.ToString();
    }

    private static void DeleteDemoStorage(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        foreach (string candidate in (string[])[directory, directory + ".off"])
        {
            try
            {
                if (Directory.Exists(candidate))
                {
                    Directory.Delete(candidate, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temp directory is harmless.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.Started, EventName = nameof(EventIds.Started), Level = LogLevel.Information,
            Message = "Router started; managed heap {HeapMiB} MiB after start-up.")]
        public static partial void Started(ILogger logger, long heapMiB);

        [LoggerMessage(EventId = EventIds.OtlpExporting, EventName = nameof(EventIds.OtlpExporting), Level = LogLevel.Information,
            Message = "OpenTelemetry: exporting {Signals}{Logs} over OTLP to {Endpoint}.")]
        public static partial void OtlpExporting(ILogger logger, string endpoint, string signals, string logs);

        [LoggerMessage(EventId = EventIds.StateDirectoryNotWritable, EventName = nameof(EventIds.StateDirectoryNotWritable), Level = LogLevel.Warning,
            Message = "Manual endpoint settings cannot be saved to {Path} ({Reason}): enabling or disabling endpoints through the admin API will fail. Set Admin:StateFile to a writable place.")]
        public static partial void StateDirectoryNotWritable(ILogger logger, string path, string reason);
    }
}

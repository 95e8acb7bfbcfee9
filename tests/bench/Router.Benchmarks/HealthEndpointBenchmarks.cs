using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Http;
using Router.Health.Monitoring;

namespace Router.Benchmarks;

/// <summary>
/// The registry health request without Kestrel: look the registry up in the snapshot, evaluate its verdict and write
/// the JSON body, as <c>GET /health/registries/{name}</c> does for every request. <see cref="RegistryVerdict"/> is the
/// state right after start-up (no results yet: fail-open with a reason per dependency); <see cref="HealthyVerdict"/>
/// the steady state health-scale.sh measures (every dependency Healthy, no reason).
/// </summary>
[MemoryDiagnoser]
public class HealthEndpointBenchmarks
{
    private HealthEndpoints _endpoints = null!;
    private DefaultHttpContext _context = null!;
    private HealthMonitor _monitor = null!;
    private HealthEndpoints _healthyEndpoints = null!;
    private DefaultHttpContext _healthyContext = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new HealthOptions { Region = "eastus" };
        string[] kinds = ["Storage", "Cache", "Auth", "Container", "Metadata"];
        for (int i = 0; i < 5000; i++)
        {
            options.Resources.Add(new ResourceOptions
            {
                Id = $"r-{i}",
                Kind = Enum.Parse<ResourceKind>(kinds[i % 5]),
                Check = new CheckOptions { Type = "Tcp", Endpoint = "127.0.0.1:9" },
            });
        }

        for (int i = 0; i < 100_000; i++)
        {
            options.Registries.Add(new RegistryOptions
            {
                Name = $"reg-{i}",
                Storage = $"r-{(i * 5) % 5000}",
                Cache = $"r-{(i * 5 + 1) % 5000}",
                Auth = $"r-{(i * 5 + 2) % 5000}",
                Container = $"r-{(i * 5 + 3) % 5000}",
                Metadata = i % 2 == 0 ? $"r-{(i * 5 + 4) % 5000}" : null,
            });
        }

        var meterFactory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        _monitor = new HealthMonitor(options, NullLoggerFactory.Instance, meterFactory, TimeProvider.System);
        _endpoints = new HealthEndpoints(_monitor);
        _context = new DefaultHttpContext();
        _context.Request.Method = "GET";
        _context.Request.Path = "/health/registries/reg-12344";
        _context.Response.Body = Stream.Null;

        var healthy = new HealthMonitor(options, NullLoggerFactory.Instance, meterFactory, TimeProvider.System);
        var snapshot = healthy.Snapshot;
        var now = TimeProvider.System.GetUtcNow();
        for (int i = 0; i < snapshot.States.Length; i++)
        {
            snapshot.Publish(i, snapshot.States[i] with
            {
                State = HealthState.Healthy,
                Since = now,
                ConsecutiveSuccesses = 1,
                LastConclusiveAt = now.AddDays(1),
                LastCheckedAt = now,
                LastResult = CheckResult.Success(TimeSpan.FromMilliseconds(1)),
            });
        }

        _healthyEndpoints = new HealthEndpoints(healthy);
        _healthyContext = new DefaultHttpContext();
        _healthyContext.Request.Method = "GET";
        _healthyContext.Request.Path = "/health/registries/reg-12344";
        _healthyContext.Response.Body = Stream.Null;
    }

    [Benchmark]
    public Task RegistryVerdict()
    {
        _context.Response.Headers.Clear();
        return _endpoints.HandleAsync(_context);
    }

    [Benchmark]
    public Task HealthyVerdict()
    {
        _healthyContext.Response.Headers.Clear();
        return _healthyEndpoints.HandleAsync(_healthyContext);
    }
}

using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary><see cref="ProbeTargetDiff"/>: how a reload changed one endpoint's probe target, which decides what its state keeps.</summary>
public sealed class ProbeTargetDiffTests
{
    public static TheoryData<string, string> Changes => new()
    {
        { "nothing", nameof(ProbeTargetChange.Unchanged) },
        { "interval", nameof(ProbeTargetChange.NewTiming) },
        { "timeout", nameof(ProbeTargetChange.NewTiming) },
        { "tolerated", nameof(ProbeTargetChange.NewThresholds) },
        { "successes", nameof(ProbeTargetChange.NewThresholds) },
        { "interval+tolerated", nameof(ProbeTargetChange.NewThresholds) },
        { "enabled", nameof(ProbeTargetChange.EnabledChanged) },
        { "enabled+interval", nameof(ProbeTargetChange.EnabledChanged) },
        { "target", nameof(ProbeTargetChange.NewProbe) },
        { "protocol", nameof(ProbeTargetChange.NewProbe) },
        { "port", nameof(ProbeTargetChange.NewProbe) },
        { "path", nameof(ProbeTargetChange.NewProbe) },
        { "header value", nameof(ProbeTargetChange.NewProbe) },
        { "header added", nameof(ProbeTargetChange.NewProbe) },
        { "status codes", nameof(ProbeTargetChange.NewProbe) },
        { "fallback added", nameof(ProbeTargetChange.NewProbe) },
        { "fallback port", nameof(ProbeTargetChange.NewProbe) },
        { "target+enabled", nameof(ProbeTargetChange.NewProbe) },
        { "target case", nameof(ProbeTargetChange.Unchanged) },
        { "header name case", nameof(ProbeTargetChange.Unchanged) },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Compare_OneEdit_MostImportantChange(string edit, string expected)
    {
        // Arrange
        var before = Target(Monitor(), enabled: true, "127.0.0.11");
        var monitor = Monitor();
        bool enabled = true;
        string target = "127.0.0.11";
        foreach (string part in edit.Split('+'))
        {
            switch (part)
            {
                case "interval": monitor.IntervalSeconds = 10; break;
                case "timeout": monitor.TimeoutSeconds = 5; break;
                case "tolerated": monitor.ToleratedFailures = 1; break;
                case "successes": monitor.SuccessesToOnline = 2; break;
                case "enabled": enabled = false; break;
                case "target": target = "127.0.0.12"; break;
                case "protocol": monitor.Protocol = MonitorProtocol.Tcp; break;
                case "port": monitor.Port = 8082; break;
                case "path": monitor.Path = "/other"; break;
                case "header value": monitor.Headers["Host"] = "fabrikam.registry.test"; break;
                case "header added": monitor.Headers["X-Probe"] = "1"; break;
                case "status codes": monitor.ExpectedStatusCodes = ["200-299"]; break;
                case "fallback added": monitor.Fallback = new FallbackMonitorOptions { Port = 5000 }; break;
                case "fallback port": before.Monitor.Fallback = new FallbackMonitorOptions { Port = 5000 }; monitor.Fallback = new FallbackMonitorOptions { Port = 5001 }; break;
                case "target case": before = before with { Target = "Contoso.Example" }; target = "contoso.example"; break;
                case "header name case":
                    monitor.Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["host"] = "contoso.registry.test" };
                    break;
                case "nothing": break;
                default: throw new ArgumentException(part, nameof(edit));
            }
        }

        // Act
        var change = ProbeTargetDiff.Compare(before, Target(monitor, enabled, target));

        // Assert
        Assert.Equal(Enum.Parse<ProbeTargetChange>(expected), change);
    }

    [Fact]
    public void ThresholdsChanged_Monitor_NamesBothThresholds()
    {
        var monitor = Monitor();
        monitor.ToleratedFailures = 2;
        monitor.SuccessesToOnline = 3;

        Assert.Equal("thresholds changed (ToleratedFailures 2, SuccessesToOnline 3)", ProbeTargetDiff.ThresholdsChanged(monitor));
    }

    private static MonitorOptions Monitor() => new()
    {
        Port = 8081,
        Path = "/health/registries/contoso",
        Headers = new(StringComparer.OrdinalIgnoreCase) { ["Host"] = "contoso.registry.test" },
    };

    private static ProbeTarget Target(MonitorOptions monitor, bool enabled, string target) => new("contoso", "eastus", target, enabled, monitor);
}

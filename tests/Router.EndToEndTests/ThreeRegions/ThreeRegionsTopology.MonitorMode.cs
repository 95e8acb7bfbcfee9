using Router.EndToEndTests.TestSupport;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>The router's monitor mode: per-profile probes (the default) or batch (one long poll per region).</summary>
public sealed partial class ThreeRegionsTopology
{
    /// <summary>The router's monitor mode the last <c>up</c> recorded (<c>$STATE/monitor-mode</c>): Probe or Batch.</summary>
    internal string MonitorMode
    {
        get
        {
            string path = Path.Combine(StateDirectory, "monitor-mode");
            return File.Exists(path) ? File.ReadAllText(path).Trim() : "Probe";
        }
    }

    /// <summary>
    /// Switches the running router's monitor mode (<c>THREE_REGIONS_MONITOR_MODE=MODE three-regions.sh up</c>: the router
    /// reloads its regenerated configuration) and waits (bounded) until every endpoint's last result came that way
    /// (<c>lastProbe.source</c> names the batch document, or is absent for a probe) and the topology is healthy.
    /// </summary>
    internal async Task SwitchMonitorModeAsync(string mode, ITestOutputHelper? output)
    {
        var up = await ScriptAsync(UpTimeout, watch: true, onLine: null, monitorMode: mode, "up");
        output?.WriteLine(up.ToString());
        if (!up.Succeeded || MonitorMode != mode)
        {
            throw new XunitException($"switching the router to {mode} mode failed (recorded mode {MonitorMode}).{Environment.NewLine}{up}{Environment.NewLine}{await DiagnosticsAsync()}");
        }

        bool batch = mode == "Batch";
        var deadline = TestClock.Now + TimeSpan.FromSeconds(60);
        while (true)
        {
            var endpoints = await EndpointsAsync();
            var other = endpoints.Where(e => (e.Source?.StartsWith("batch ", StringComparison.Ordinal) ?? false) != batch).ToList();
            if (endpoints.Count > 0 && other.Count == 0)
            {
                break;
            }

            if (TestClock.Now >= deadline)
            {
                throw new XunitException($"60 s after switching to {mode} mode, endpoints still report other results: " +
                    $"{string.Join(", ", other.Select(e => $"{e.Profile}/{e.Endpoint} source '{e.Source}'"))}{Environment.NewLine}{await DiagnosticsAsync()}");
            }

            await Task.Delay(250);
        }

        await WaitHealthyAsync(HealTimeout, $"after switching to {mode} mode");
    }
}

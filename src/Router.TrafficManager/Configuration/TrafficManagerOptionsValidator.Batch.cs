using Router.TrafficManager.Monitoring.Batch;

namespace Router.TrafficManager.Configuration;

/// <summary>The rules of <c>Monitor:Mode: Batch</c>: its keys, and the settings that profiles sharing a monitor origin must agree on.</summary>
public static partial class TrafficManagerOptionsValidator
{
    private static void ValidateBatchMode(MonitorOptions monitor, string path, List<string> errors)
    {
        if (!Enum.IsDefined(monitor.Mode))
        {
            errors.Add($"{path}:Mode: must be Probe or Batch");
            return;
        }

        if (monitor.Registry is not null && string.IsNullOrWhiteSpace(monitor.Registry))
        {
            errors.Add($"{path}:Registry: must not be empty (leave it out to use the profile's name)");
        }

        if (monitor.MaxBatchBytes < TrafficManagerDefaults.MinBatchBytes)
        {
            errors.Add($"{path}:MaxBatchBytes: must be at least {TrafficManagerDefaults.MinBatchBytes}");
        }

        if (monitor.Mode == MonitorMode.Batch && monitor.Protocol == MonitorProtocol.Tcp)
        {
            errors.Add($"{path}:Protocol: must be Http or Https in Batch mode (the batch document is fetched over HTTP)");
        }
    }

    /// <summary>
    /// Profiles in <c>Batch</c> mode whose endpoints share a monitor origin share one poller, so they must agree on its
    /// settings: the error names both profiles' key paths and the first setting that differs.
    /// </summary>
    private static void ValidateBatchOrigins(TrafficManagerOptions options, string path, List<string> errors)
    {
        var first = new Dictionary<BatchOrigin, int>();
        var reported = new HashSet<(int, int)>();
        for (int p = 0; p < options.Profiles.Count; p++)
        {
            var profile = options.Profiles[p];
            if (profile?.Monitor is not { Mode: MonitorMode.Batch } monitor || monitor.Protocol == MonitorProtocol.Tcp)
            {
                continue;
            }

            foreach (var endpoint in profile.Endpoints)
            {
                if (endpoint is null || string.IsNullOrWhiteSpace(endpoint.Target))
                {
                    continue;
                }

                var origin = BatchOrigin.Of(endpoint.Target.Trim(), monitor);
                if (!first.TryAdd(origin, p) && first[origin] is int q && q != p
                    && BatchPollerSettings.Difference(options.Profiles[q].Monitor, monitor) is { } key && reported.Add((q, p)))
                {
                    errors.Add($"{path}:Profiles:{p}:Monitor:{key}: differs from {path}:Profiles:{q}:Monitor:{key}, "
                        + $"and both profiles use the batch monitor {origin}, whose poller they share: give them the same {key}");
                }
            }
        }
    }
}

namespace Router.TrafficManager.Monitoring;

/// <summary>An endpoint's monitor status, as Traffic Manager reports it.</summary>
public enum EndpointStatus
{
    /// <summary>Enabled, and no probe has finished yet: eligible.</summary>
    CheckingEndpoint,

    /// <summary>The last probes succeeded: eligible.</summary>
    Online,

    /// <summary><c>ToleratedFailures + 1</c> consecutive probes failed: not eligible unless every enabled endpoint is.</summary>
    Degraded,

    /// <summary>Disabled in configuration or through the admin API: never answered, never probed.</summary>
    Disabled,

    /// <summary>
    /// Put in maintenance through the admin API: never answered (as <see cref="Disabled"/>), but still probed, so it comes
    /// back with a known status. Never a monitor status: the traffic manager reports it over the monitor's.
    /// </summary>
    Maintenance,
}

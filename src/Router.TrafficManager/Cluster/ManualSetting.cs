namespace Router.TrafficManager.Cluster;

/// <summary>A manual enable/disable (and maintenance) of one endpoint, kept in the store for every instance.</summary>
/// <param name="Profile">The profile name, as configured.</param>
/// <param name="Endpoint">The endpoint name, as configured.</param>
/// <param name="Enabled">What the operator asked for.</param>
/// <param name="ChangedAt">When.</param>
/// <param name="ChangedBy">The instance whose admin API took it.</param>
/// <param name="ConfigEnabled">
/// The configuration's <c>Enabled</c> flag of the endpoint when the setting was made: an instance whose configuration
/// now says otherwise does not apply it (the newer instruction wins).
/// </param>
/// <param name="Maintenance">Whether the endpoint is in maintenance (out of answers, still probed); absent in older settings.</param>
/// <param name="Reason">The operator's reason for maintenance, if given.</param>
public sealed record ManualSetting(string Profile, string Endpoint, bool Enabled, DateTimeOffset ChangedAt, string ChangedBy, bool? ConfigEnabled,
    bool Maintenance = false, string? Reason = null);

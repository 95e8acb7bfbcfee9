namespace Router.TrafficManager.Cluster;

/// <summary>A manual enable/disable of one endpoint, kept in the store for every instance.</summary>
/// <param name="Profile">The profile name, as configured.</param>
/// <param name="Endpoint">The endpoint name, as configured.</param>
/// <param name="Enabled">What the operator asked for.</param>
/// <param name="ChangedAt">When.</param>
/// <param name="ChangedBy">The instance whose admin API took it.</param>
/// <param name="ConfigEnabled">
/// The configuration's <c>Enabled</c> flag of the endpoint when the setting was made: an instance whose configuration
/// now says otherwise does not apply it (the newer instruction wins).
/// </param>
public sealed record ManualSetting(string Profile, string Endpoint, bool Enabled, DateTimeOffset ChangedAt, string ChangedBy, bool? ConfigEnabled);

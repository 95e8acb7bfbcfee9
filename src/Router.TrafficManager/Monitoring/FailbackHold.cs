namespace Router.TrafficManager.Monitoring;

/// <summary>
/// An endpoint that recovered (<c>Degraded</c> → <c>Online</c>) and is held back from answers by its profile's
/// <c>Monitor:Failback</c> mode (<see cref="FailbackPolicy"/>). Kept in the state file, so it survives a restart.
/// </summary>
/// <param name="Profile">The profile name, as configured.</param>
/// <param name="Endpoint">The endpoint name, as configured.</param>
/// <param name="HeldAt">When it recovered and was first held back.</param>
/// <param name="CleanSince">
/// Since when it has been Online without a failed probe (HoldDown counts from here): <paramref name="HeldAt"/>, then
/// the last failure during the hold, or the start of this process (a restart restarts the count: nothing was probed
/// while the router was down).
/// </param>
internal sealed record FailbackHold(string Profile, string Endpoint, DateTimeOffset HeldAt, DateTimeOffset CleanSince);

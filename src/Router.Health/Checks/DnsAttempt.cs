namespace Router.Health.Checks;

/// <summary>
/// What one server's answer means for a <see cref="DnsCheck"/>: it decides (success when <see cref="Failure"/> is
/// null) or it is passed over for the next server, with <see cref="Failure"/> as the reason; <see cref="IsLocal"/>
/// when the reason is the monitor's own.
/// </summary>
internal readonly record struct DnsAttempt(bool Decides, string? Failure, bool IsLocal)
{
    public static DnsAttempt Success => new(true, null, false);

    public static DnsAttempt Decided(string failure) => new(true, failure, false);

    public static DnsAttempt PassOver(string failure) => new(false, failure, false);

    public static DnsAttempt Local(string failure) => new(false, failure, true);
}

namespace Router.Health.Checks;

/// <summary>Where one <see cref="RedisCheck"/> connects, and the password it authenticates with (null for none).</summary>
internal sealed record RedisCheckSettings(HostEndpoint Endpoint, string? Password) : ICheckSettings
{
    public string Type => CheckTypes.Redis;
}

namespace Router.Health.Checks;

/// <summary>Where one <see cref="TcpCheck"/> connects.</summary>
internal sealed record TcpCheckSettings(HostEndpoint Endpoint) : ICheckSettings
{
    public string Type => CheckTypes.Tcp;
}

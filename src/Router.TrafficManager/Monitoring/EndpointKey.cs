namespace Router.TrafficManager.Monitoring;

/// <summary>A profile and endpoint name, compared ignoring case.</summary>
internal readonly record struct EndpointKey
{
    public EndpointKey(string profile, string endpoint)
    {
        Profile = profile;
        Endpoint = endpoint;
    }

    public string Profile { get; }

    public string Endpoint { get; }

    public bool Equals(EndpointKey other) =>
        string.Equals(Profile, other.Profile, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Endpoint, other.Endpoint, StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(
        StringComparer.OrdinalIgnoreCase.GetHashCode(Profile), StringComparer.OrdinalIgnoreCase.GetHashCode(Endpoint));
}

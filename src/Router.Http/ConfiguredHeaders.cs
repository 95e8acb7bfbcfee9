namespace Router.Http;

/// <summary>The request headers an operator configures on a health check or a monitor, applied the same way for both.</summary>
internal static class ConfiguredHeaders
{
    /// <summary>
    /// Sets each header on <paramref name="request"/>, replacing a value already there (a default <c>User-Agent</c>).
    /// <c>Host</c> replaces the URL's host in the request (and in TLS SNI), not where the request connects.
    /// </summary>
    public static void Apply(HttpRequestMessage request, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var (name, value) in headers)
        {
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}

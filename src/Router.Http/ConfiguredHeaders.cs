namespace Router.Http;

/// <summary>The request headers an operator configures on a health check or a monitor, applied the same way for both.</summary>
internal static class ConfiguredHeaders
{
    /// <summary>
    /// Sets each header on <paramref name="request"/>, replacing a value already there (a default <c>User-Agent</c>).
    /// <c>Host</c> replaces the URL's host in the request (and in TLS SNI), not where the request connects. Content
    /// headers (<c>Content-Type</c>, …) cannot go on a bodiless request and are left out.
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
                // Remove throws for a content header (Content-Type, …), which has no place on a bodiless request:
                // TryAddWithoutValidation refuses it, so it is left out rather than failing every request.
                if (request.Headers.NonValidated.Contains(name))
                {
                    request.Headers.Remove(name);
                }

                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}

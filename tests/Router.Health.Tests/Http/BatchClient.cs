namespace Router.Health.Tests.Http;

/// <summary>Requests to the batch document with an optional <c>If-None-Match</c>, reading the body as text.</summary>
internal static class BatchClient
{
    public static async Task<(HttpResponseMessage Response, string Text)> GetAsync(HealthServerHarness harness, string path,
        string? ifNoneMatch = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        var response = await harness.Client.SendAsync(request, cancellationToken);
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response, text);
    }
}

using System.Net;
using System.Text.Json;

namespace Router.Health.Tests.Integration;

/// <summary>One answer of <c>GET /health/registries/{name}</c>: the status code and the JSON body.</summary>
internal sealed record HealthAnswer(HttpStatusCode Status, string Raw, JsonElement Body, string? CacheControl, string? ContentType)
{
    public static HealthAnswer Parse(HttpStatusCode status, string raw, string? cacheControl, string? contentType)
    {
        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(raw.Length == 0 ? "null" : raw);
            body = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            Assert.Fail($"the health endpoint answered {(int)status} with a body that is not JSON ({ex.Message}): {raw}");
            throw;
        }

        return new HealthAnswer(status, raw, body, cacheControl, contentType);
    }

    public string? StatusText => Body.GetProperty("status").GetString();

    public bool FailOpen => Body.GetProperty("failOpen").GetBoolean();

    public string? Reason => Body.GetProperty("reason").GetString();

    public IReadOnlyList<JsonElement> Dependencies => [.. Body.GetProperty("dependencies").EnumerateArray()];

    /// <summary>The dependency of <paramref name="kind"/> (<c>Cache</c>, <c>Storage</c>, ...); fails when there is none.</summary>
    public JsonElement Dependency(string kind)
    {
        foreach (var dependency in Dependencies)
        {
            if (dependency.GetProperty("kind").GetString() == kind)
            {
                return dependency;
            }
        }

        Assert.Fail($"no {kind} dependency in {Raw}");
        return default;
    }

    /// <summary>The <c>state</c> of the dependency of <paramref name="kind"/>.</summary>
    public string? StateOf(string kind) => Dependency(kind).GetProperty("state").GetString();

    /// <summary>200, every dependency Healthy: a verdict made from real results, not fail-open.</summary>
    public bool IsSettledHealthy =>
        Status == HttpStatusCode.OK && !FailOpen && Dependencies.All(d => d.GetProperty("state").GetString() == "Healthy");

    public override string ToString() => $"{(int)Status} {Raw}";
}

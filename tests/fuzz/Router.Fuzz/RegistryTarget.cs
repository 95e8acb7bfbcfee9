using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Router.Health.Checks;

namespace Router.Fuzz;

/// <summary>
/// What a registry sends the Registry check: a manifest body (<see cref="RegistryManifest.Parse"/>), a token endpoint's
/// answer (<see cref="RegistryAuthentication.ReadToken"/>), and a 401's <c>WWW-Authenticate</c> challenge
/// (<see cref="RegistryAuthentication.ParseChallengeParameters"/>, then the whole <see cref="RegistryAuthentication.AuthorizeAsync"/>
/// against a token endpoint that answers 200 with the rest of the input). All three are documented never to throw;
/// an exception would make the probe Inconclusive ("check failed: …") instead of a Failure with a reason.
/// </summary>
/// <remarks>
/// The input is the manifest body and the token body as a whole; for the 401, its first line is the challenge header
/// (bytes as Latin-1, as HTTP header octets) and the rest the token endpoint's body. Invariants: a manifest read is a
/// failure or a result with valid digests and sizes; a token is null or non-empty; authorizing gives a header or a
/// failure reason, never both.
/// </remarks>
internal static class RegistryTarget
{
    private static readonly string?[] ContentTypes = [null, RegistryManifest.OciManifest, RegistryManifest.DockerManifestList];

    private static readonly RegistryCheckSettings Settings = new()
    {
        BaseUrl = new Uri("http://registry.test/"),
        Repository = "router/canary",
        Username = "router",
        Password = "secret",
    };

    public static void Run(byte[] input)
    {
        foreach (string? contentType in ContentTypes)
        {
            CheckManifest(RegistryManifest.Parse(input, contentType));
        }

        string? token = RegistryAuthentication.ReadToken(input);
        FuzzInvariantException.Check(token is null || token.Length > 0, "an empty token");

        int newline = Array.IndexOf(input, (byte)'\n');
        string challenge = Encoding.Latin1.GetString(input, 0, newline < 0 ? input.Length : newline);
        byte[] tokenBody = newline < 0 ? [] : input[(newline + 1)..];
        Authorize(challenge, tokenBody);
    }

    private static void CheckManifest(ManifestRead read)
    {
        if (read.Failure is not null)
        {
            FuzzInvariantException.Check(read.Child is null && read.Blob is null && !read.IsIndex, "a failed manifest read with a result");
            return;
        }

        foreach (var descriptor in (ReadOnlySpan<Descriptor?>)[read.Child, read.Blob])
        {
            if (descriptor is not null)
            {
                FuzzInvariantException.Check(DistributionNames.IsDigest(descriptor.Digest), $"an invalid digest '{descriptor.Digest}'");
                FuzzInvariantException.Check(descriptor.Size is null or >= 0, $"a negative size {descriptor.Size}");
            }
        }
    }

    private static void Authorize(string challenge, byte[] tokenBody)
    {
        // As RegistryCheck reads a 401: the challenges .NET parses out of the header.
        using var unauthorized = new HttpResponseMessage(HttpStatusCode.Unauthorized);
        unauthorized.Headers.TryAddWithoutValidation("WWW-Authenticate", challenge);
        var challenges = unauthorized.Headers.WwwAuthenticate.ToList();
        foreach (var parsed in challenges)
        {
            CheckParameters(RegistryAuthentication.ParseChallengeParameters(parsed.Parameter));
        }

        CheckParameters(RegistryAuthentication.ParseChallengeParameters(challenge));

        using var invoker = new HttpMessageInvoker(new TokenEndpoint(tokenBody));
        var authentication = new RegistryAuthentication(Settings, invoker);
        var (authorization, failure) = authentication.AuthorizeAsync(challenges, CancellationToken.None).GetAwaiter().GetResult();
        FuzzInvariantException.Check((authorization is null) != (failure is null), $"authorization '{authorization}' with failure '{failure}'");
    }

    private static void CheckParameters(Dictionary<string, string> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            FuzzInvariantException.Check(name.Length > 0 && value is not null, "an auth-param without a name");
        }
    }

    /// <summary>A token endpoint that answers every request 200 with the same body.</summary>
    private sealed class TokenEndpoint(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }
}

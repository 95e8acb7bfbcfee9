using System.Net.Http.Headers;
using System.Text;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>What one <see cref="HttpCheck"/> sends and accepts; parsed and validated by <see cref="CheckSettingsParser"/>.</summary>
internal sealed record HttpCheckSettings : ICheckSettings
{
    public string Type => CheckTypes.Http;

    /// <summary>What an Http check accepts when <c>ExpectedStatusCodes</c> is not set: 200-299.</summary>
    public static readonly StatusCodeRange DefaultStatusCodeRange = new(200, 299);

    /// <summary>An absolute http or https URL.</summary>
    public required Uri Url { get; init; }

    /// <summary><value>The default value is GET.</value></summary>
    public HttpMethod Method { get; init; } = HttpMethod.Get;

    /// <summary>Extra request headers; <c>Host</c> replaces the URL's host in the request (not where it connects).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Basic or bearer credentials, or none.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>Accepted status codes. <value>The default value is 200-299.</value></summary>
    public IReadOnlyList<StatusCodeRange> ExpectedStatusCodes { get; init; } = [DefaultStatusCodeRange];

    /// <summary>Text (ordinal, UTF-8) the first <see cref="HttpCheck.MaxBodyBytes"/> of the body must contain; null for no body check.</summary>
    public string? BodyContains { get; init; }

    /// <summary>The TCP connect timeout of the handler; null leaves connecting bounded by the probe's timeout alone.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Basic credentials, as in RFC 7617 (UTF-8 <c>user:password</c>, base64).</summary>
    public static AuthenticationHeaderValue Basic(string username, string? password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password)));

    /// <summary>A bearer token, as in RFC 6750.</summary>
    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// A tiny, deterministic OCI image (a config blob and one empty-tar layer) pushed with plain distribution-API calls,
/// as a client would: each blob by monolithic upload (<c>POST /v2/&lt;repo&gt;/blobs/uploads/</c>, then
/// <c>PUT &lt;location&gt;?digest=</c>), then <c>PUT /v2/&lt;repo&gt;/manifests/&lt;tag&gt;</c>. No skopeo needed.
/// </summary>
public static class RegistryCanary
{
    public const string OciManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndexMediaType = "application/vnd.oci.image.index.v1+json";

    /// <summary>The image config (OCI image-spec config.md), naming the layer's diff ID.</summary>
    public static readonly byte[] Config = Encoding.UTF8.GetBytes(
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest(Layer()) + "\"]}}");

    /// <summary>The layer: an empty tar archive (two 512-byte zero blocks), uncompressed.</summary>
    public static byte[] Layer() => new byte[1024];

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The image manifest pushed for every tag.</summary>
    public static byte[] Manifest() => Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"" + OciManifestMediaType + "\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest(Config) + "\",\"size\":" + Size(Config) + "},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + Digest(Layer()) + "\",\"size\":" + Size(Layer()) + "}]}");

    /// <summary>An index whose only entry is <see cref="Manifest"/>.</summary>
    public static byte[] Index() => Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"" + OciIndexMediaType + "\","
        + "\"manifests\":[{\"mediaType\":\"" + OciManifestMediaType + "\",\"digest\":\"" + Digest(Manifest()) + "\",\"size\":" + Size(Manifest())
        + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");

    private static string Size(byte[] content) => content.Length.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Pushes the canary to <paramref name="registry"/> (base URL) as <paramref name="repository"/>:<paramref name="tag"/>,
    /// as an image manifest, or as an index over it when <paramref name="asIndex"/>. Returns the tag's manifest digest.
    /// </summary>
    public static Task<string> PushAsync(Uri registry, string repository, string tag, string user, string password, bool asIndex = false) =>
        PushAsync(registry, repository, tag, new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password))), asIndex);

    /// <summary>As above, sending <paramref name="authorization"/> (a bearer token with push scope, say) with every request.</summary>
    public static async Task<string> PushAsync(Uri registry, string repository, string tag, AuthenticationHeaderValue authorization, bool asIndex = false)
    {
        using var client = new HttpClient { BaseAddress = registry, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = authorization;

        await UploadBlobAsync(client, repository, Config);
        await UploadBlobAsync(client, repository, Layer());
        string digest = await PutManifestAsync(client, repository, asIndex ? Digest(Manifest()) : tag, Manifest(), OciManifestMediaType);
        return asIndex ? await PutManifestAsync(client, repository, tag, Index(), OciIndexMediaType) : digest;
    }

    private static async Task UploadBlobAsync(HttpClient client, string repository, byte[] blob)
    {
        using var started = await client.PostAsync($"v2/{repository}/blobs/uploads/", content: null);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"blob upload POST answered {(int)started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        var location = started.Headers.Location ?? throw new InvalidOperationException("blob upload POST answered without a Location");
        var upload = location.IsAbsoluteUri ? location : new Uri(client.BaseAddress!, location);
        string separator = upload.Query.Length > 0 ? "&" : "?";

        using var content = new ByteArrayContent(blob);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var finished = await client.PutAsync(new Uri(upload + separator + "digest=" + Uri.EscapeDataString(Digest(blob))), content);
        Assert.True(finished.StatusCode == HttpStatusCode.Created, $"blob upload PUT answered {(int)finished.StatusCode}: {await finished.Content.ReadAsStringAsync()}");
    }

    private static async Task<string> PutManifestAsync(HttpClient client, string repository, string reference, byte[] manifest, string mediaType)
    {
        using var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await client.PutAsync($"v2/{repository}/manifests/{reference}", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"manifest PUT answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Digest(manifest);
    }
}

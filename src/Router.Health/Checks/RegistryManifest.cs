using System.Text.Json;

namespace Router.Health.Checks;

/// <summary>
/// Reads what <see cref="RegistryCheck"/> needs of a manifest body: an image manifest's config blob (or first layer),
/// or an index's first entry. The body is untrusted bytes from the registry: every input gives a
/// <see cref="ManifestRead"/>, a malformed one a failure reason; nothing throws.
/// </summary>
internal static class RegistryManifest
{
    /// <summary>The largest manifest read (the distribution API's own limit for a manifest).</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>What a manifest GET accepts: image manifests and indexes, OCI and Docker v2 (not schema 1).</summary>
    public static readonly IReadOnlyList<string> ManifestMediaTypes = [OciManifest, DockerManifest, OciIndex, DockerManifestList];

    /// <summary>Reads what the probe needs of an image manifest or an index; anything else is a failure reason.</summary>
    public static ManifestRead Parse(byte[] body, string? contentType)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return Read(document.RootElement, contentType);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: JsonElement.GetString on a string that is not valid UTF-8 (or holds a lone
            // surrogate escape); the parser accepts such strings and only decoding them finds out. Not JSON either.
            return ManifestRead.Failed("manifest GET 200: the body is not valid JSON");
        }
    }

    private static ManifestRead Read(JsonElement root, string? contentType)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ManifestRead.Failed("manifest GET 200: the body is not a JSON object");
        }

        if (root.TryGetProperty("schemaVersion", out var schema) && schema.ValueKind == JsonValueKind.Number && schema.TryGetInt32(out int version) && version == 1)
        {
            return ManifestRead.Failed("manifest GET 200: a schema 1 manifest (not supported: push the canary as an OCI or Docker v2 image)");
        }

        string mediaType = root.TryGetProperty("mediaType", out var declared) && declared.ValueKind == JsonValueKind.String
            ? declared.GetString()!
            : contentType ?? "no media type";

        if (root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            if (manifests.GetArrayLength() == 0)
            {
                return ManifestRead.Index(null);
            }

            return TryDescriptor(manifests[0], "the index's first entry", out var child, out string? failure)
                ? ManifestRead.Index(child)
                : ManifestRead.Failed(failure!);
        }

        bool hasConfig = root.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object;
        bool hasLayers = root.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array;
        if (!hasConfig && !hasLayers)
        {
            return ManifestRead.Failed($"manifest GET 200: not an image manifest or index ({mediaType})");
        }

        Descriptor? blob = null;
        if (hasConfig)
        {
            if (!TryDescriptor(config, "the config", out blob, out string? failure))
            {
                return ManifestRead.Failed(failure!);
            }
        }
        else if (layers.GetArrayLength() > 0 && !TryDescriptor(layers[0], "the first layer", out blob, out string? failure))
        {
            return ManifestRead.Failed(failure!);
        }

        return ManifestRead.Image(blob);
    }

    private static bool TryDescriptor(JsonElement element, string what, out Descriptor? descriptor, out string? failure)
    {
        descriptor = null;
        failure = null;
        string? digest = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()
            : null;
        if (!DistributionNames.IsDigest(digest))
        {
            failure = $"manifest GET 200: {what} has no valid digest";
            return false;
        }

        long? size = element.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long value) && value >= 0 ? value : null;
        descriptor = new Descriptor(digest!, size);
        return true;
    }
}

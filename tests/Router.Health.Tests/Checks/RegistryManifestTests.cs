using System.Text;
using Router.Health.Checks;

namespace Router.Health.Tests.Checks;

/// <summary><see cref="RegistryManifest.Parse"/> on manifest bodies, well-formed and not: a failure value, never an exception.</summary>
public sealed class RegistryManifestTests
{
    private static readonly string DigestA = "sha256:" + new string('a', 64);
    private static readonly string DigestB = "sha256:" + new string('b', 64);

    [Fact]
    public void Parse_ImageManifest_ConfigBlobWithSize()
    {
        string body = $"{{\"schemaVersion\":2,\"mediaType\":\"{RegistryManifest.OciManifest}\",\"config\":{{\"digest\":\"{DigestA}\",\"size\":12}},\"layers\":[{{\"digest\":\"{DigestB}\"}}]}}";

        var read = RegistryManifest.Parse(Encoding.UTF8.GetBytes(body), RegistryManifest.OciManifest);

        Assert.Equal(ManifestRead.Image(new Descriptor(DigestA, 12)), read);
    }

    [Fact]
    public void Parse_Index_FirstEntry()
    {
        string body = $"{{\"manifests\":[{{\"digest\":\"{DigestB}\",\"size\":-1}},{{\"digest\":\"{DigestA}\"}}]}}";

        var read = RegistryManifest.Parse(Encoding.UTF8.GetBytes(body), RegistryManifest.OciIndex);

        Assert.Equal(ManifestRead.Index(new Descriptor(DigestB, null)), read);
    }

    [Theory]
    [InlineData("", "manifest GET 200: the body is not valid JSON")]
    [InlineData("{\"config\":", "manifest GET 200: the body is not valid JSON")]
    [InlineData("[1,2]", "manifest GET 200: the body is not a JSON object")]
    [InlineData("{\"schemaVersion\":1}", "manifest GET 200: a schema 1 manifest (not supported: push the canary as an OCI or Docker v2 image)")]
    [InlineData("{\"schemaVersion\":2}", "manifest GET 200: not an image manifest or index (text/plain)")]
    [InlineData("{\"config\":{\"digest\":\"sha256:short\"}}", "manifest GET 200: the config has no valid digest")]
    [InlineData("{\"layers\":[\"not an object\"]}", "manifest GET 200: the first layer has no valid digest")]
    [InlineData("{\"manifests\":[7]}", "manifest GET 200: the index's first entry has no valid digest")]
    public void Parse_NotAUsableManifest_FailureReason(string body, string expected)
    {
        var read = RegistryManifest.Parse(Encoding.UTF8.GetBytes(body), "text/plain");

        Assert.Equal(expected, read.Failure);
    }

    [Fact]
    public void Parse_MediaTypeNotValidUtf8_FailureInsteadOfException()
    {
        // The parser accepts the string; only decoding it finds the invalid byte (InvalidOperationException).
        byte[] body = [.. "{\"mediaType\":\"a"u8, 0xC3, 0x28, .. "\",\"schemaVersion\":2}"u8];

        Assert.Equal("manifest GET 200: the body is not valid JSON", RegistryManifest.Parse(body, null).Failure);
    }

    [Fact]
    public void Parse_DigestWithLoneSurrogateEscape_FailureInsteadOfException()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"config\":{\"digest\":\"sha256:\\udc00\"}}");

        Assert.Equal("manifest GET 200: the body is not valid JSON", RegistryManifest.Parse(body, null).Failure);
    }

    [Fact]
    public void Parse_NestedDeeperThanTheParserAllows_FailureInsteadOfException()
    {
        byte[] body = Encoding.ASCII.GetBytes("{\"config\":" + new string('[', 1000) + new string(']', 1000) + "}");

        Assert.Equal("manifest GET 200: the body is not valid JSON", RegistryManifest.Parse(body, null).Failure);
    }

    [Fact]
    public void Parse_RandomAndMutatedInput_NeverThrows()
    {
        var random = new Random(20261207);
        byte[] seed = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"{RegistryManifest.OciIndex}\",\"manifests\":[{{\"digest\":\"{DigestA}\",\"size\":3}}],\"config\":{{\"digest\":\"{DigestB}\"}}}}");
        for (int i = 0; i < 5000; i++)
        {
            var read = RegistryManifest.Parse(Mutate(random, seed), random.Next(2) == 0 ? null : "application/json");

            Assert.True(read.Failure is not null || read.IsIndex || read.Blob is not null || read.Child is null);
        }
    }

    /// <summary>A copy of <paramref name="seed"/> with a few bytes replaced, dropped or cut off; sometimes pure noise.</summary>
    internal static byte[] Mutate(Random random, byte[] seed)
    {
        if (random.Next(8) == 0)
        {
            byte[] noise = new byte[random.Next(64)];
            random.NextBytes(noise);
            return noise;
        }

        var bytes = new List<byte>(seed);
        for (int edits = random.Next(1, 4); edits > 0 && bytes.Count > 0; edits--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(3))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }

        return [.. bytes];
    }
}

using System.Text;
using Router.TrafficManager.Monitoring.Batch;

namespace Router.TrafficManager.Tests.Monitoring.Batch;

/// <summary><see cref="BatchDocumentParser"/>: a document is read whole or not at all.</summary>
public sealed class BatchDocumentParserTests
{
    private const string Valid =
        """{"region":"eastus","version":1765112345678,"complete":true,"registries":[{"name":"contoso","status":"Healthy","failOpen":false},{"name":"fabrikam","status":"Unhealthy","failOpen":false,"reason":"storage 'sa-2' is Unhealthy","dependencies":[{"name":"sa-2","state":"Unhealthy"}]},{"name":"tailwind","status":"Healthy","failOpen":true,"reason":"all checks failing"}]}""";

    [Fact]
    public void TryParse_ContractExample_ReadsEveryVerdict()
    {
        Assert.True(BatchDocumentParser.TryParse(Encoding.UTF8.GetBytes(Valid), out var document, out string? error), error);

        Assert.Equal(("eastus", 1765112345678L, true, 3), (document!.Region, document.Version, document.Complete, document.Verdicts.Count));
        Assert.Equal(new BatchVerdict(true, false, null, null), document.Verdicts["contoso"]);
        Assert.Equal("verdict Unhealthy in eastus: storage 'sa-2' is Unhealthy", document.Verdicts["FABRIKAM"].Error);
        Assert.True(document.Verdicts["tailwind"].FailOpen);
    }

    [Fact]
    public void TryParse_RegistriesWithOneReason_ShareTheReasonAndTheError()
    {
        // Arrange: a resource's registries failing with one reason (one escaped, so read the long way), then another.
        const string json = """
            {"region":"eastus","version":2,"complete":false,"registries":[
              {"name":"a","status":"Unhealthy","failOpen":false,"reason":"storage 'sa-1' is Unhealthy"},
              {"name":"b","status":"Unhealthy","failOpen":false,"reason":"storage 'sa-1' is Unhealthy"},
              {"name":"c","status":"Unhealthy","failOpen":false,"reason":"storage \u0027sa-1\u0027 is Unhealthy"},
              {"name":"d","status":"Unhealthy","failOpen":false,"reason":"cache 'redis' is Unhealthy"},
              {"name":"e","status":"Healthy","failOpen":false}]}
            """;

        // Act
        Assert.True(BatchDocumentParser.TryParse(Encoding.UTF8.GetBytes(json), out var document, out string? error), error);
        var v = document!.Verdicts;

        // Assert: equal texts, and one string for a run of equal ones
        Assert.Equal("storage 'sa-1' is Unhealthy", v["c"].Reason);
        Assert.Same(v["a"].Reason, v["b"].Reason);
        Assert.Same(v["a"].Error, v["b"].Error);
        Assert.Equal(v["a"].Error, v["c"].Error);
        Assert.Equal("verdict Unhealthy in eastus: cache 'redis' is Unhealthy", v["d"].Error);
        Assert.Equal(new BatchVerdict(true, false, null, null), v["e"]);
    }

    [Fact]
    public void TryParse_EveryProperPrefix_FailsCleanly()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Valid);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(BatchDocumentParser.TryParse(bytes.AsSpan(0, length), out var document, out string? error), $"prefix of {length} bytes");
            Assert.Null(document);
            Assert.StartsWith("malformed batch document", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"version":1,"complete":true,"registries":[]}""", "'region' is missing")]
    [InlineData("""{"region":"e","complete":true,"registries":[]}""", "'version' is missing")]
    [InlineData("""{"region":"e","version":1.5,"complete":true,"registries":[]}""", "'version' is not a 64-bit integer")]
    [InlineData("""{"region":"e","version":1,"registries":[]}""", "'complete' is missing")]
    [InlineData("""{"region":"e","version":1,"complete":true}""", "'registries' is missing")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":{}}""", "'registries' is not an array")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[{"status":"Healthy"}]}""", "entry 0 has no 'name'")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[{"name":"a"}]}""", "registry 'a' has no 'status'")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[{"name":"a","status":"Degraded"}]}""", "registry 'a' has status 'Degraded'")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[{"name":"a","status":null}]}""", "registry 'a' has no 'status'")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[{"name":"a","status":"healthy"}]}""", "registry 'a' has status 'healthy'")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[{"name":"a","status":"Healthy"},{"name":"A","status":"Healthy"}]}""", "registry 'A' is listed twice")]
    [InlineData("""{"region":"e","version":"1","complete":true,"registries":[]}""", "malformed batch document")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"region":"e","version":1,"complete":true,"registries":[]} {}""", "malformed batch document")]
    public void TryParse_InvalidDocument_SaysWhy(string json, string expected)
    {
        Assert.False(BatchDocumentParser.TryParse(Encoding.UTF8.GetBytes(json), out var document, out string? error));
        Assert.Null(document);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

namespace Router.Cli.Tests.Hosting;

/// <summary>The checker the exporter tests rely on must itself reject what Prometheus rejects.</summary>
public sealed class PrometheusTextCheckerTests
{
    [Theory]
    [InlineData("metric 1")] // no final line feed
    [InlineData("bad-name 1\n")]
    [InlineData("m{a=\"x\\q\"} 1\n")] // unknown escape
    [InlineData("m{a=x} 1\n")] // unquoted value
    [InlineData("m 1\nm 2\n")] // duplicate series
    [InlineData("m one\n")]
    [InlineData("# TYPE c counter\nc -1\n")]
    [InlineData("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n")] // sample outside its block
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")] // not cumulative
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")] // no +Inf bucket
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n")] // count differs from +Inf
    public void AssertValid_InvalidExposition_Fails(string text) =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => PrometheusTextChecker.AssertValid(text));

    [Fact]
    public void AssertValid_ValidExposition_Passes() => PrometheusTextChecker.AssertValid(
        "# HELP h Help with \\\\ and \\n.\n# TYPE h histogram\nh_bucket{a=\"q\\\"\",le=\"1\"} 1\nh_bucket{a=\"q\\\"\",le=\"+Inf\"} 2\n" +
        "h_sum{a=\"q\\\"\"} 3.5\nh_count{a=\"q\\\"\"} 2\n# TYPE g gauge\ng NaN\ng{x=\"1\"} -Inf 1700000000000\n");
}

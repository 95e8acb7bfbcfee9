using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

public sealed class StatusRangeTests
{
    [Fact]
    public void TryParseStatusRanges_Empty_MeansOnly200()
    {
        Assert.True(StatusRange.TryParseStatusRanges([], out var ranges, out string? error));
        Assert.Null(error);
        var range = Assert.Single(ranges);
        Assert.True(range.Contains(200));
        Assert.False(range.Contains(201));
    }

    [Fact]
    public void TryParseStatusRanges_CodesAndRanges_ParsedInOrder()
    {
        Assert.True(StatusRange.TryParseStatusRanges(["200-299", " 401 ", "301 - 302"], out var ranges, out _));
        Assert.Equal([new StatusRange(200, 299), new StatusRange(401, 401), new StatusRange(301, 302)], ranges);
        Assert.Equal("200-299, 401, 301-302", StatusRange.Format(ranges));
        Assert.True(StatusRange.AnyContains(ranges, 401));
        Assert.False(StatusRange.AnyContains(ranges, 503));
    }

    [Theory]
    [InlineData("2x0", "1: '2x0' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("99", "1: '99' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("600", "1: '600' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("299-200", "1: '299-200' is an empty range: 299 is greater than 200")]
    [InlineData("200-", "1: '200-' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("", "1: must be a status code (200) or a range (200-299)")]
    [InlineData("+200", "1: '+200' is not a status code (200) or a range (200-299) of codes 100-599")]
    public void TryParseStatusRanges_BadEntry_FailsNamingIt(string entry, string expected)
    {
        Assert.False(StatusRange.TryParseStatusRanges(["200", entry], out var ranges, out string? error));
        Assert.Empty(ranges);
        Assert.Equal(expected, error);
    }
}

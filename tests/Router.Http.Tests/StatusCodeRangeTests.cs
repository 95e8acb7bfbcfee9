namespace Router.Http.Tests;

/// <summary>
/// The one status-code range of the health Http check and of the traffic manager monitor (formerly
/// <c>StatusCodeRange</c> in Router.Health and <c>StatusRange</c> in Router.TrafficManager): the same parsing for both.
/// </summary>
public sealed class StatusCodeRangeTests
{
    private static readonly StatusCodeRange Only200 = new(200, 200);

    [Theory]
    [InlineData("200", 200, 200)]
    [InlineData("200-299", 200, 299)]
    [InlineData(" 401 ", 401, 401)]
    [InlineData("100 - 599", 100, 599)]
    public void TryParse_CodeOrRange_Parsed(string text, int min, int max)
    {
        Assert.True(StatusCodeRange.TryParse(text, out var range));
        Assert.Equal(new StatusCodeRange(min, max), range);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("99")]
    [InlineData("600")]
    [InlineData("299-200")]
    [InlineData("200-")]
    [InlineData("-200")]
    [InlineData("200-299-300")]
    [InlineData("2xx")]
    [InlineData("+200")]
    public void TryParse_Invalid_Rejected(string text)
    {
        Assert.False(StatusCodeRange.TryParse(text, out _));
        Assert.False(StatusCodeRange.TryParse(text, out _, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Format_SeveralRanges_CommaSeparated()
    {
        Assert.Equal("200, 300-399", StatusCodeRange.Format([new(200, 200), new(300, 399)]));
    }

    [Fact]
    public void TryParseList_Empty_MeansTheCallersDefault()
    {
        Assert.True(StatusCodeRange.TryParseList([], Only200, out var ranges, out string? error));
        Assert.Null(error);
        var range = Assert.Single(ranges);
        Assert.True(range.Contains(200));
        Assert.False(range.Contains(201));
    }

    [Fact]
    public void TryParseList_CodesAndRanges_ParsedInOrder()
    {
        Assert.True(StatusCodeRange.TryParseList(["200-299", " 401 ", "301 - 302"], Only200, out var ranges, out _));
        Assert.Equal([new StatusCodeRange(200, 299), new StatusCodeRange(401, 401), new StatusCodeRange(301, 302)], ranges);
        Assert.Equal("200-299, 401, 301-302", StatusCodeRange.Format(ranges));
        Assert.True(StatusCodeRange.AnyContains(ranges, 401));
        Assert.False(StatusCodeRange.AnyContains(ranges, 503));
    }

    [Theory]
    [InlineData("2x0", "1: '2x0' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("99", "1: '99' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("600", "1: '600' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("299-200", "1: '299-200' is an empty range: 299 is greater than 200")]
    [InlineData("200-", "1: '200-' is not a status code (200) or a range (200-299) of codes 100-599")]
    [InlineData("", "1: must be a status code (200) or a range (200-299)")]
    [InlineData("+200", "1: '+200' is not a status code (200) or a range (200-299) of codes 100-599")]
    public void TryParseList_BadEntry_FailsNamingIt(string entry, string expected)
    {
        Assert.False(StatusCodeRange.TryParseList(["200", entry], Only200, out var ranges, out string? error));
        Assert.Empty(ranges);
        Assert.Equal(expected, error);
    }
}

using Router.Health.Checks;

namespace Router.Health.Tests.Checks;

public sealed class StatusCodeRangeTests
{
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
    public void TryParse_Invalid_Rejected(string text)
    {
        Assert.False(StatusCodeRange.TryParse(text, out _));
    }

    [Fact]
    public void Format_SeveralRanges_CommaSeparated()
    {
        Assert.Equal("200, 300-399", StatusCodeRange.Format([new(200, 200), new(300, 399)]));
    }
}

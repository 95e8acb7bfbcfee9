namespace Router.Dns.Tests;

/// <summary>The error vocabulary of the codec (<see cref="DnsParseError"/>) and its helpers.</summary>
public sealed class DnsEnumsTests
{
    public static TheoryData<DnsParseError> Errors => [.. Enum.GetValues<DnsParseError>()];

    [Theory]
    [MemberData(nameof(Errors))]
    public void Describe_EveryDefinedError_HasItsOwnText(DnsParseError error)
    {
        // Act
        string text = error.Describe();

        // Assert
        Assert.NotEqual("unknown error", text);
        Assert.Single(Enum.GetValues<DnsParseError>(), other => other.Describe() == text);
    }

    [Fact]
    public void Describe_UndefinedValue_UnknownError()
    {
        // Act
        string text = ((DnsParseError)200).Describe();

        // Assert
        Assert.Equal("unknown error", text);
    }

    [Theory]
    [InlineData(DnsParseError.Truncated, 11, false)]
    [InlineData(DnsParseError.Truncated, 12, true)]
    [InlineData(DnsParseError.InvalidQuery, 512, true)]
    [InlineData(DnsParseError.None, 512, false)]
    public void HeaderWasReadable_ErrorAndLength_TrueOnlyForFailuresWithAHeader(DnsParseError error, int length, bool expected)
    {
        // Act
        bool readable = error.HeaderWasReadable(length);

        // Assert
        Assert.Equal(expected, readable);
    }
}

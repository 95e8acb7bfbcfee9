namespace Router.Dns.Tests;

/// <summary>
/// <see cref="DnsName"/>: presentation form (RFC 1035 §5.1), wire form (§3.1), limits (§2.3.4) and case-insensitive
/// comparison (RFC 4343).
/// </summary>
public sealed class DnsNameTests
{
    public static TheoryData<string, byte[]> PresentationForms => new()
    {
        { ".", [0] },
        { "example.test.", [7, .. "example"u8, 4, .. "test"u8, 0] },
        // RFC 1035 §5.1: "\." is a dot inside a label.
        { "a\\.b.example.", [3, (byte)'a', (byte)'.', (byte)'b', 7, .. "example"u8, 0] },
        // RFC 1035 §5.1: "\DDD" is the octet with decimal value DDD.
        { "\\000.example.", [1, 0, 7, .. "example"u8, 0] },
        { "\\255.example.", [1, 255, 7, .. "example"u8, 0] },
        { "a\\032b.example.", [3, (byte)'a', (byte)' ', (byte)'b', 7, .. "example"u8, 0] },
        // Characters special in zone files are escaped with a backslash.
        { "\\\\\\\"\\(\\)\\;\\@\\$.", [7, .. "\\\"();@$"u8, 0] },
        // Case is preserved.
        { "WwW.Example.TEST.", [3, .. "WwW"u8, 7, .. "Example"u8, 4, .. "TEST"u8, 0] },
        // Octets that are not printable ASCII (and space, 0x20) are written as \DDD.
        { "\\127\\031\\200.", [3, 127, 31, 200, 0] },
    };

    [Theory]
    [MemberData(nameof(PresentationForms))]
    public void ParseThenToString_PresentationForm_RoundTripsWithWireForm(string text, byte[] wire)
    {
        // Act
        var name = DnsName.Parse(text);

        // Assert
        Assert.Equal(wire, name.Wire.ToArray());
        Assert.Equal(text, name.ToString());
    }

    [Theory]
    [InlineData("\\065\\066.", "AB.")]
    [InlineData("\\a\\b.", "ab.")]
    [InlineData("a b.", "a\\032b.")]
    public void ToString_ParsedFromAlternativeForm_CanonicalForm(string text, string expected)
    {
        // Act
        string canonical = DnsName.Parse(text).ToString();

        // Assert
        Assert.Equal(expected, canonical);
    }

    [Theory]
    [InlineData("www", "example.test.", "www.example.test.")]
    [InlineData("a.b", "example.test.", "a.b.example.test.")]
    [InlineData("@", "example.test.", "example.test.")]
    [InlineData("www.other.", "example.test.", "www.other.")]
    [InlineData(".", "example.test.", ".")]
    [InlineData("www", ".", "www.")]
    [InlineData("a\\.", "example.test.", "a\\..example.test.")]
    public void TryParse_RelativeOrAbsolute_ResolvedAgainstOrigin(string text, string origin, string expected)
    {
        // Act
        bool parsed = DnsName.TryParse(text, DnsName.Parse(origin), out var name, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(expected, name!.ToString());
    }

    [Fact]
    public void Parse_NoTrailingDot_RelativeToRoot()
    {
        // Act
        var name = DnsName.Parse("www.example.test");

        // Assert
        Assert.Equal("www.example.test.", name.ToString());
    }

    public static TheoryData<string, string> InvalidNames => new()
    {
        { "", "empty name" },
        { "a..b", "empty label" },
        { ".a", "empty label" },
        { "a..", "empty label" },
        { new string('a', 64) + ".test.", "label longer than 63" },
        { LongText(256), "longer than 255" },
        { "\\256.test.", "above 255" },
        { "a\\", "invalid escape" },
        { "a\\1", "invalid escape" },
        { "a\\12x.", "invalid escape" },
        { "a\\\u00e9.", "invalid escape" },
        { "b\u00fccher.example.", "non-ASCII" },
        { "\u4f8b.test.", "non-ASCII" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void TryParse_InvalidText_FalseWithErrorAndParseThrowsFormatException(string text, string expectedError)
    {
        // Act
        bool parsed = DnsName.TryParse(text, DnsName.Root, out var name, out string? error);
        var exception = Record.Exception(() => DnsName.Parse(text));

        // Assert
        Assert.False(parsed);
        Assert.Null(name);
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
        Assert.IsType<FormatException>(exception);
    }

    [Fact]
    public void TryParse_RelativeNameTooLongWithOrigin_Error()
    {
        // Arrange: a 200-octet relative name fits alone, but not under a 60-octet origin.
        string relative = LongText(200).TrimEnd('.');
        var origin = DnsName.Parse(new string('o', 58) + ".");

        // Act
        bool parsed = DnsName.TryParse(relative, origin, out _, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("longer than 255", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(255)]
    [InlineData(254)]
    public void Parse_UpTo255Octets_Accepted(int wireLength)
    {
        // Arrange: RFC 1035 §2.3.4: 255 octets in wire form, length octets and root included.
        string text = LongText(wireLength);

        // Act
        var name = DnsName.Parse(text);

        // Assert
        Assert.Equal(wireLength, name.WireLength);
        Assert.Equal(text, name.ToString());
    }

    [Fact]
    public void Parse_63OctetLabel_Accepted()
    {
        // Act
        var name = DnsName.Parse(new string('a', 63) + ".test.");

        // Assert
        Assert.Equal(63, name.Wire[0]);
        Assert.Equal(2, name.LabelCount);
    }

    [Fact]
    public void Equals_DifferentCase_EqualWithSameHashCode()
    {
        // Arrange: RFC 4343 §3: ASCII letters compare without regard to case.
        var lower = DnsName.Parse("www.example.test.");
        var mixed = DnsName.Parse("WWW.Example.TEST.");

        // Act
        bool equal = lower.Equals(mixed);

        // Assert
        Assert.True(equal);
        Assert.True(lower == mixed);
        Assert.False(lower != mixed);
        Assert.Equal(lower.GetHashCode(), mixed.GetHashCode());
        Assert.Equal("WWW.Example.TEST.", mixed.ToString());
    }

    [Theory]
    [InlineData("www.example.test.", "ww.example.test.")]
    [InlineData("a.", "b.")]
    [InlineData("[.", "{.")]
    [InlineData("a.b.", "ab.")]
    public void Equals_DifferentNames_NotEqual(string left, string right)
    {
        // Act
        bool equal = DnsName.Parse(left).Equals(DnsName.Parse(right));

        // Assert
        Assert.False(equal);
    }

    [Fact]
    public void Equals_NullAndOtherTypes_HandledWithoutThrowing()
    {
        // Arrange
        var name = DnsName.Parse("example.test.");
        DnsName? none = null;

        // Act
        var comparisons = (name.Equals((object)"example.test."), name == none, none == null, none != name, name.Equals(null));

        // Assert
        Assert.Equal((false, false, true, true, false), comparisons);
    }

    [Fact]
    public void GetHashCode_UsedAsDictionaryKey_FindsOtherCase()
    {
        // Arrange
        var zones = new Dictionary<DnsName, int> { [DnsName.Parse("Example.Test.")] = 1 };

        // Act
        bool found = zones.TryGetValue(DnsName.Parse("example.test."), out int value);

        // Assert
        Assert.True(found);
        Assert.Equal(1, value);
    }

    [Theory]
    [InlineData("www.example.test.", "example.test.", true)]
    [InlineData("a.b.example.test.", "example.test.", true)]
    [InlineData("example.test.", "example.test.", true)]
    [InlineData("WWW.EXAMPLE.test.", "example.TEST.", true)]
    [InlineData("notexample.test.", "example.test.", false)]
    [InlineData("xexample.test.", "example.test.", false)]
    [InlineData("example.test.", "www.example.test.", false)]
    [InlineData("test.", "example.test.", false)]
    [InlineData("example.test.", ".", true)]
    [InlineData(".", "example.test.", false)]
    [InlineData("a\\.b.example.test.", "example.test.", true)]
    [InlineData("a\\.example.test.", "example.test.", false)]
    [InlineData("www.a\\.example.test.", "example.test.", false)]
    public void IsSubdomainOf_Pairs_LabelWiseCaseInsensitive(string name, string zone, bool expected)
    {
        // Act
        bool inside = DnsName.Parse(name).IsSubdomainOf(DnsName.Parse(zone));

        // Assert
        Assert.Equal(expected, inside);
    }

    [Fact]
    public void Parent_RepeatedToRoot_DropsOneLabelEachTime()
    {
        // Arrange
        var name = DnsName.Parse("www.example.test.");

        // Act
        var parents = new[] { name.Parent(), name.Parent().Parent(), name.Parent().Parent().Parent(), DnsName.Root.Parent() };

        // Assert
        Assert.Equal(["example.test.", "test.", ".", "."], parents.Select(p => p.ToString()));
        Assert.True(parents[2].IsRoot);
        Assert.Same(DnsName.Root, DnsName.Root.Parent());
    }

    [Fact]
    public void ToLowerInvariant_MixedCase_LowercaseCopy()
    {
        // Arrange
        var name = DnsName.Parse("WWW.Example.TEST.");

        // Act
        var lower = name.ToLowerInvariant();

        // Assert
        Assert.Equal("www.example.test.", lower.ToString());
        Assert.Equal("WWW.Example.TEST.", name.ToString());
    }

    [Fact]
    public void Root_Properties_SingleZeroOctet()
    {
        // Act
        var root = DnsName.Root;

        // Assert
        Assert.True(root.IsRoot);
        Assert.Equal(0, root.LabelCount);
        Assert.Equal(1, root.WireLength);
        Assert.Equal(".", root.ToString());
        Assert.Same(root, DnsName.Parse("."));
    }

    public static TheoryData<string, byte[], bool> WireForms => new()
    {
        { "root", [0], true },
        { "two labels", [7, .. "example"u8, 4, .. "test"u8, 0], true },
        { "63-octet label", [63, .. DnsWireFixtures.Label63, 0], true },
        { "255 octets", DnsWireReaderTests.LongName(255), true },
        { "empty", [], false },
        { "no root", [4, .. "test"u8], false },
        { "label past the end", [5, .. "test"u8, 0], false },
        { "octets after the root", [4, .. "test"u8, 0, 0], false },
        { "64-octet label", [64, .. Enumerable.Repeat((byte)'a', 64), 0], false },
        { "256 octets", DnsWireReaderTests.LongName(256), false },
        { "compression pointer", [0xC0, 0x0C], false },
    };

    [Theory]
    [MemberData(nameof(WireForms))]
    public void TryFromWire_WireForms_ValidatesLabelsAndLength(string description, byte[] wire, bool expected)
    {
        // Act
        bool created = DnsName.TryFromWire(wire, out var name);

        // Assert
        Assert.True(expected == created, description);
        Assert.Equal(expected, name is not null);
        if (created)
        {
            Assert.Equal(wire, name!.Wire.ToArray());
        }
    }

    /// <summary>Presentation text of an absolute name of exactly <paramref name="wireLength"/> octets in wire form.</summary>
    private static string LongText(int wireLength) => DnsName.TryFromWire(DnsWireReaderTests.LongName(wireLength), out var name)
        ? name.ToString()
        : string.Join('.', new string('a', 63), new string('a', 63), new string('a', 63), new string('b', wireLength - 194)) + ".";
}

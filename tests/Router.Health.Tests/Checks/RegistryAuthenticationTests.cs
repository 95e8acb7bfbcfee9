using System.Text;
using Router.Health.Checks;

namespace Router.Health.Tests.Checks;

/// <summary>The parsers of <see cref="RegistryAuthentication"/>: a challenge's parameters and a token endpoint's answer, both untrusted.</summary>
public sealed class RegistryAuthenticationTests
{
    [Theory]
    [InlineData("realm=\"https://auth.test/token\",service=\"registry.test\",scope=\"repository:canary:pull\"", "realm=https://auth.test/token|scope=repository:canary:pull|service=registry.test")]
    [InlineData("realm=https://auth.test/token, service=registry.test", "realm=https://auth.test/token|service=registry.test")]
    [InlineData("Realm=\"a,b\" ,  Scope = \"x\\\"y\"", "Realm=a,b|Scope=x\"y")]
    [InlineData("realm=\"first\",realm=\"second\"", "realm=first")]
    [InlineData("realm=\"unterminated", "")]
    [InlineData("", "")]
    public void ParseChallengeParameters_ChallengeParameters_NameValuePairs(string parameters, string expected)
    {
        var parsed = RegistryAuthentication.ParseChallengeParameters(parameters);

        Assert.Equal(expected, string.Join('|', parsed.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => p.Key + "=" + p.Value)));
    }

    [Theory]
    [InlineData("{\"token\":\"tok-1\",\"expires_in\":300}", "tok-1")]
    [InlineData("{\"access_token\":\"anon\"}", "anon")]
    [InlineData("{\"token\":\"\",\"access_token\":\"second\"}", "second")]
    [InlineData("{\"token\":42}", null)]
    [InlineData("[\"token\"]", null)]
    [InlineData("not json", null)]
    [InlineData("", null)]
    public void ReadToken_TokenAnswer_TokenOrNull(string body, string? expected)
    {
        Assert.Equal(expected, RegistryAuthentication.ReadToken(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void ReadToken_TokenNotValidUtf8_Null()
    {
        // The parser accepts the string; only decoding it finds the invalid byte (InvalidOperationException).
        byte[] body = [.. "{\"token\":\"a"u8, 0xFF, .. "b\"}"u8];

        Assert.Null(RegistryAuthentication.ReadToken(body));
    }

    [Fact]
    public void ReadToken_TokenWithLoneSurrogateEscape_Null()
    {
        Assert.Null(RegistryAuthentication.ReadToken("{\"token\":\"a\\ud800b\"}"u8.ToArray()));
    }

    [Fact]
    public void ReadToken_NestedDeeperThanTheParserAllows_Null()
    {
        byte[] body = Encoding.ASCII.GetBytes(new string('[', 1000) + new string(']', 1000));

        Assert.Null(RegistryAuthentication.ReadToken(body));
    }

    [Fact]
    public void Parsers_RandomAndMutatedInput_NeverThrow()
    {
        var random = new Random(20261207);
        byte[] seed = "{\"token\":\"tok-1\",\"access_token\":\"x\\u00e9\"}"u8.ToArray();
        const string Challenge = "realm=\"https://auth.test/token\",service=\"registry.test\",scope=\"repository:canary:pull\"";
        for (int i = 0; i < 5000; i++)
        {
            byte[] body = RegistryManifestTests.Mutate(random, seed);
            char[] challenge = Challenge.ToCharArray();
            challenge[random.Next(challenge.Length)] = (char)random.Next(0, 0x10000);

            _ = RegistryAuthentication.ReadToken(body);
            _ = RegistryAuthentication.ParseChallengeParameters(new string(challenge, 0, random.Next(challenge.Length + 1)));
        }
    }
}

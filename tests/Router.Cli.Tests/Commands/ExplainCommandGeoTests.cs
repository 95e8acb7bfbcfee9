using System.Text.Json;
using Router.Cli.Commands;

namespace Router.Cli.Tests.Commands;

/// <summary><c>router explain</c> of a Geographic profile: where the database places the client and which mapping chose.</summary>
public sealed class ExplainCommandGeoTests
{
    private const string Report = """
        { "name": "geo", "profile": "geo", "routingMethod": "Geographic", "client": "10.4.1.1", "matchedNetwork": null,
          "candidates": [
            { "endpoint": "europe", "target": "127.0.0.12", "location": null, "status": "Online", "enabled": true, "eligible": true,
              "latencyMs": null, "priority": 1, "weight": 1, "chosen": false, "note": "maps EU, not the client's location" } ],
          "rule": "the country database places the client in JP (AS); no endpoint maps JP, AS, WORLD: NODATA",
          "answer": [], "ttl": 5, "scopePrefixLength": 16,
          "geo": GEO }
        """;

    [Fact]
    public void FormatExplain_GeographicPlaced_CountryContinentDatabaseAndMapping()
    {
        // Arrange
        using var json = JsonDocument.Parse(Report.Replace("GEO", """{ "country": "JP", "continent": "AS", "mapping": null, "database": "GeoLite2-Country built 2026-12-01, IPv6" }""", StringComparison.Ordinal));

        // Act
        string text = ExplainCommand.FormatExplain(json.RootElement);

        // Assert
        Assert.Contains("geo:     country JP, continent AS (GeoLite2-Country built 2026-12-01, IPv6)\nmapping: none matches (NODATA)\n", text, StringComparison.Ordinal);
        Assert.Contains("answer:  no records (NODATA), TTL 5, ECS scope /16\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatExplain_NotInDatabaseWorldMapping_SaysSo()
    {
        // Arrange
        using var json = JsonDocument.Parse(Report.Replace("GEO", """{ "country": null, "continent": null, "mapping": "WORLD", "database": "none" }""", StringComparison.Ordinal));

        // Act
        string text = ExplainCommand.FormatExplain(json.RootElement);

        // Assert
        Assert.Contains("geo:     not in the database (none)\nmapping: WORLD\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatExplain_OtherMethods_NoGeoLines()
    {
        // Arrange
        using var json = JsonDocument.Parse(Report.Replace("GEO", "null", StringComparison.Ordinal));

        // Act
        string text = ExplainCommand.FormatExplain(json.RootElement);

        // Assert
        Assert.DoesNotContain("geo:", text, StringComparison.Ordinal);
    }
}

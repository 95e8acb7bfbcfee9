using System.Text.Json;
using Router.Cli.Commands;

namespace Router.Cli.Tests.Commands;

/// <summary><c>router explain</c> when the chosen endpoint is a nested profile: the child's decision, indented, under the rule.</summary>
public sealed class ExplainCommandNestedTests
{
    private const string Report = """
        { "name": "parent", "profile": "parent", "routingMethod": "Performance", "client": "127.0.0.1", "matchedNetwork": "127.0.0.0/8",
          "candidates": [
            { "endpoint": "eu", "target": "child-eu", "location": "eu", "status": "Online", "enabled": true, "eligible": true,
              "latencyMs": 5, "priority": 1, "weight": 1, "chosen": true,
              "note": "nested profile child-eu: 2 of 3 child endpoints eligible, MinChildEndpoints 2; 2 of 3 answer A, MinChildEndpointsIPv4 1: chosen; the answer is the child's" } ],
          "rule": "lowest latency among eligible endpoints from 127.0.0.0/8: eu 5 ms",
          "answer": [ "A 127.0.0.22" ], "ttl": 10, "scopePrefixLength": 8, "geo": null,
          "nested": NESTED }
        """;

    private const string Child = """
        { "name": "child-eu", "profile": "child-eu", "routingMethod": "Priority", "client": "127.0.0.1", "matchedNetwork": null,
          "candidates": [
            { "endpoint": "eu1", "target": "127.0.0.22", "location": null, "status": "Online", "enabled": true, "eligible": true,
              "latencyMs": null, "priority": 1, "weight": 1, "chosen": true, "note": "chosen" } ],
          "rule": "lowest priority value among eligible endpoints: eu1 (priority 1)",
          "answer": [ "A 127.0.0.22" ], "ttl": 10, "scopePrefixLength": 0, "geo": null, "nested": null }
        """;

    [Fact]
    public void FormatExplain_NestedChosen_ChildsDecisionIndentedAndTheCombinedAnswer()
    {
        // Arrange
        using var json = JsonDocument.Parse(Report.Replace("NESTED", Child, StringComparison.Ordinal));

        // Act
        string text = ExplainCommand.FormatExplain(json.RootElement);

        // Assert
        Assert.Contains("2 of 3 child endpoints eligible, MinChildEndpoints 2", text, StringComparison.Ordinal);
        Assert.Contains("nested:  the chosen endpoint is profile child-eu, which decided:\n  | name:    child-eu\n", text, StringComparison.Ordinal);
        Assert.Contains("  | rule:    lowest priority value among eligible endpoints: eu1 (priority 1)\n", text, StringComparison.Ordinal);
        Assert.EndsWith("answer:  A 127.0.0.22 (TTL 10, ECS scope /8)\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatExplain_NoNested_NoNestedSection()
    {
        // Arrange
        using var json = JsonDocument.Parse(Report.Replace("NESTED", "null", StringComparison.Ordinal));

        // Act
        string text = ExplainCommand.FormatExplain(json.RootElement);

        // Assert
        Assert.DoesNotContain("nested:", text, StringComparison.Ordinal);
    }
}

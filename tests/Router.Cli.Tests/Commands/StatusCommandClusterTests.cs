using System.Text.Json;
using Router.Cli.Commands;

namespace Router.Cli.Tests.Commands;

/// <summary>What <c>router status</c> and <c>router explain</c> print for a clustered router's JSON.</summary>
public sealed class StatusCommandClusterTests
{
    [Fact]
    public void FormatCluster_Connected_InstancesAndQuorum()
    {
        using var json = JsonDocument.Parse("""
            { "instanceId": "router-2", "quorum": "Majority", "store": { "state": "Connected", "since": "2026-12-07T12:00:00Z", "reason": null, "revision": 9 },
              "instances": [ { "instanceId": "router-1" }, { "instanceId": "router-2" }, { "instanceId": "router-3" } ] }
            """);

        Assert.Equal("cluster: connected, 3 instances (router-1, router-2, router-3), quorum Majority; this is router-2", StatusCommand.FormatCluster(json.RootElement));
    }

    [Fact]
    public void FormatCluster_LocalView_SinceWhenAndWhy()
    {
        using var json = JsonDocument.Parse("""
            { "instanceId": "router-2", "quorum": "Majority", "store": { "state": "LocalView", "since": "2026-12-07T12:00:00Z",
              "reason": "etcd unreachable: connection refused (127.0.0.31:2379)", "revision": 9 }, "instances": [] }
            """);

        Assert.Equal("cluster: local view since 2026-12-07 12:00:00Z (etcd unreachable: connection refused (127.0.0.31:2379))",
            StatusCommand.FormatCluster(json.RootElement));
    }

    [Fact]
    public void FormatProfiles_Clustered_ViewsColumnNamesWhoSawWhat()
    {
        using var json = JsonDocument.Parse("""
            [ { "name": "contoso", "endpoints": [ { "name": "eastus", "target": "127.0.0.11", "status": "Online", "enabled": true,
                "consecutiveFailures": 0, "ownStatus": "Online",
                "views": [ { "instance": "router-1", "status": "Online", "consecutiveFailures": 0 },
                           { "instance": "router-3", "status": "Degraded", "consecutiveFailures": 4 } ] } ] } ]
            """);

        string table = StatusCommand.FormatProfiles(json.RootElement);

        Assert.Contains("VIEWS", table, StringComparison.Ordinal);
        Assert.Contains("router-1 Online, router-3 Degraded (4 failures)", table, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatProfiles_SingleInstance_NoViewsColumn()
    {
        using var json = JsonDocument.Parse("""
            [ { "name": "contoso", "endpoints": [ { "name": "eastus", "target": "127.0.0.11", "status": "Online", "enabled": true,
                "consecutiveFailures": 0, "ownStatus": null, "views": null } ] } ]
            """);

        Assert.DoesNotContain("VIEWS", StatusCommand.FormatProfiles(json.RootElement), StringComparison.Ordinal);
    }

    [Fact]
    public void FormatExplain_Clustered_SeenLinePerEndpoint()
    {
        using var json = JsonDocument.Parse("""
            { "name": "contoso", "profile": "contoso", "routingMethod": "Priority", "client": "127.0.0.1", "matchedNetwork": null,
              "candidates": [ { "endpoint": "eastus", "target": "127.0.0.11", "status": "Online", "enabled": true, "eligible": true,
                "priority": 1, "weight": 1, "chosen": true, "note": "chosen",
                "views": [ { "instance": "router-1", "status": "Online", "consecutiveFailures": 0 },
                           { "instance": "router-3", "status": "Degraded", "consecutiveFailures": 2 } ] } ],
              "rule": "first by priority", "answer": [ "A 127.0.0.11" ], "ttl": 5, "scopePrefixLength": 0 }
            """);

        Assert.Contains("seen:    eastus: router-1 Online, router-3 Degraded (2 failures)", ExplainCommand.FormatExplain(json.RootElement), StringComparison.Ordinal);
    }
}

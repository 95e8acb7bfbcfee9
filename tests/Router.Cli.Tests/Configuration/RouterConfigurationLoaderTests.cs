using System.Text;
using Microsoft.Extensions.Configuration;
using Router.Cli.Configuration;
using Router.Cli.Tests.TestSupport;

namespace Router.Cli.Tests.Configuration;

public sealed class RouterConfigurationLoaderTests
{
    [Fact]
    public void Load_ValidFile_BindsTheDnsSection()
    {
        // Arrange
        using var directory = new TempDirectory();
        string path = directory.Write("valid.json", TestConfigs.Valid(listen: "127.0.0.1:5353", www: "127.0.0.81"));

        // Act
        var loaded = RouterConfigurationLoader.Load(path);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var dns = loaded.Options!.Dns!;
        Assert.Equal(["127.0.0.1:5353"], dns.Listen);
        var zone = Assert.Single(dns.Zones);
        Assert.Equal(TestConfigs.Zone, zone.Name);
        Assert.Equal(60, zone.Ttl);
        Assert.Equal("127.0.0.81", zone.Records[0].Value);
    }

    [Fact]
    public void Validate_ShapeErrorInOneKey_StillBindsAndValidatesTheRest()
    {
        // Arrange: Zones:0:Ttl cannot bind; the record error next to it must still be found.
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "a.test", "Ttl": "abc",
              "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.1" }, { "Name": "x", "Type": "AAAA", "Value": "127.0.0.1" } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.False(loaded.IsValid);
        Assert.Null(loaded.Options);
        Assert.Equal(2, loaded.Errors.Count);
        Assert.Equal("Dns:Zones:0:Ttl: 'abc' is not a whole number", loaded.Errors[0]);
        Assert.StartsWith("Dns:Zones:0:Records:1:Value: ", loaded.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RecordTtlEmpty_BindsAsNullAndIsValid()
    {
        // Arrange
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "a.test",
              "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.1", "Ttl": "" }, { "Name": "v", "Type": "A", "Value": "127.0.0.2", "Ttl": 7 } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var records = loaded.Options!.Dns!.Zones[0].Records;
        Assert.Null(records[0].Ttl);
        Assert.Equal(7, records[1].Ttl);
    }

    [Fact]
    public void Validate_ListenAsSingleValue_IsAnErrorNotTheDefaultAddress()
    {
        // Arrange: without the shape check the binder drops the value and the server would listen on 127.0.0.1:53.
        var root = Json("""{ "Dns": { "Listen": "127.0.0.1:5353" } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["Dns:Listen: expected a list (JSON array), found the value '127.0.0.1:5353'"], loaded.Errors);
    }

    [Theory]
    [InlineData("TrafficManager", "TrafficManager:Anything")]
    [InlineData("Admin", "Admin:Anything")]
    public void Validate_UnknownKeyInTrafficManagerOrAdmin_ReportsItsPath(string section, string path)
    {
        // Arrange
        var root = Json($$"""{ "Dns": { "Listen": [ "127.0.0.1:0" ] }, "{{section}}": { "Anything": 1 } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Contains(loaded.Errors, e => e.StartsWith(path + ": unknown key", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TrafficManagerWithoutDns_SaysTheDnsServerAnswersProfiles()
    {
        // Arrange
        var root = Json("""
            { "TrafficManager": { "Zone": "tm.example.test", "Profiles": [ { "Name": "contoso",
                "Endpoints": [ { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11" } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["TrafficManager: needs the Dns section: profiles are answered by the DNS server (Dns:Listen)"], loaded.Errors);
    }

    [Fact]
    public void Validate_ClusterSection_BoundWithTheQuorumRule()
    {
        // Arrange
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ] },
              "TrafficManager": { "Zone": "tm.example.test", "Profiles": [ { "Name": "contoso",
                "Endpoints": [ { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11" } ] } ] },
              "Cluster": { "Endpoints": [ "http://127.0.0.31:2379", "http://127.0.0.32:2379" ], "InstanceId": "router-1", "Quorum": "Any", "LeaseSeconds": 5 } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var cluster = loaded.Options!.Cluster!;
        Assert.Equal((Router.TrafficManager.Cluster.QuorumRule.Any, 5, "router-1", "/router/"), (cluster.Quorum, cluster.LeaseSeconds, cluster.InstanceId, cluster.Prefix));
        Assert.Equal(["http://127.0.0.31:2379", "http://127.0.0.32:2379"], cluster.Endpoints);
    }

    [Fact]
    public void Validate_ClusterSectionErrors_EveryOneWithItsKeyPath()
    {
        // Arrange
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ] },
              "TrafficManager": { "Zone": "tm.example.test", "Profiles": [ { "Name": "contoso",
                "Endpoints": [ { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11" } ] } ] },
              "Cluster": { "Endpoints": [ "ftp://127.0.0.31:2379" ], "Quorum": "Most", "LeaseSeconds": 1, "Prefix": "router", "Colour": "blue" } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.False(loaded.IsValid);
        Assert.Contains(loaded.Errors, e => e.StartsWith("Cluster:Endpoints:0: ", StringComparison.Ordinal));
        Assert.Contains(loaded.Errors, e => e.StartsWith("Cluster:Quorum: ", StringComparison.Ordinal));
        Assert.Contains(loaded.Errors, e => e.StartsWith("Cluster:LeaseSeconds: ", StringComparison.Ordinal));
        Assert.Contains(loaded.Errors, e => e.StartsWith("Cluster:Prefix: ", StringComparison.Ordinal));
        Assert.Contains(loaded.Errors, e => e.StartsWith("Cluster:Colour: unknown key", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ClusterCaFileRelative_IsTheFileNextToTheConfiguration()
    {
        // Arrange: the CA beside the configuration, named relative to it; the working directory is elsewhere.
        using var directory = new TempDirectory();
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var ca = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=etcd test CA", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string caPath = directory.Write("etcd-ca.pem", ca.ExportCertificatePem());
        string path = directory.Write("router.json", """
            { "Dns": { "Listen": [ "127.0.0.1:0" ] },
              "TrafficManager": { "Zone": "tm.example.test", "Profiles": [ { "Name": "contoso",
                "Endpoints": [ { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11" } ] } ] },
              "Cluster": { "Endpoints": [ "https://127.0.0.31:2379" ], "InstanceId": "r1", "CaFile": "etcd-ca.pem" } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Load(path);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        Assert.Equal(caPath, loaded.Options!.Cluster!.CaFile);
    }

    [Fact]
    public void Validate_ClusterWithoutTrafficManager_SaysWhatItIsFor()
    {
        // Arrange
        var root = Json("""{ "Dns": { "Listen": [ "127.0.0.1:0" ] }, "Cluster": { "Endpoints": [ "http://127.0.0.31:2379" ], "InstanceId": "r1" } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["Cluster: needs the TrafficManager section: the instances of a cluster share endpoint status and manual settings of its profiles"], loaded.Errors);
    }

    [Fact]
    public void Validate_TrafficManagerZoneIsAlsoAStaticZone_ReportsTheStaticZone()
    {
        // Arrange
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "TM.example.test.", "Records": [] } ] },
              "TrafficManager": { "Zone": "tm.example.test", "Profiles": [ { "Name": "contoso",
                "Endpoints": [ { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11" } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["Dns:Zones:0:Name: 'tm.example.test' is TrafficManager:Zone; a zone is either static or the traffic manager's"], loaded.Errors);
    }

    [Fact]
    public void Validate_HealthDnsCheck_BindsItsKeys()
    {
        // Arrange
        var root = Json("""
            { "Health": { "Region": "eastus", "Listen": "http://127.0.0.1:0",
              "Resources": [ { "Id": "names", "Kind": "Storage", "Check": { "Type": "Dns", "Name": "storage.registry.internal", "RecordType": "AAAA",
                "Servers": [ "127.0.0.53", "[::1]:5353" ], "ExpectAddresses": [ "fd00::/8" ], "TimeoutSeconds": 2 } } ],
              "Registries": [ { "Name": "contoso", "Storage": "names" } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var check = Assert.Single(loaded.Options!.Health!.Resources).Check;
        Assert.Equal(("storage.registry.internal", "AAAA"), (check.Name, check.RecordType));
        Assert.Equal(["127.0.0.53", "[::1]:5353"], check.Servers);
        Assert.Equal(["fd00::/8"], check.ExpectAddresses);
    }

    [Fact]
    public void Validate_HealthDnsCheckWithBadKeys_ReportsEveryErrorWithItsPath()
    {
        // Arrange
        var root = Json("""
            { "Health": { "Region": "eastus", "Listen": "http://127.0.0.1:0",
              "Resources": [ { "Id": "names", "Kind": "Storage", "Check": { "Type": "Dns", "Name": "cache..internal", "RecordType": "MX",
                "Servers": [ "resolver.internal" ], "ExpectAddresses": [ "10.0.0.0/33" ] } } ],
              "Registries": [ { "Name": "contoso", "Storage": "names" } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert: as `router validate` prints them.
        Assert.Equal(
            [
                "Health:Resources:0:Check:Name: 'cache..internal' is not a DNS name (labels of 1-63 letters, digits, '-' or '_' joined by '.', at most 253 characters)",
                "Health:Resources:0:Check:RecordType: 'MX' is not one of A, AAAA, CNAME",
                "Health:Resources:0:Check:Servers:0: 'resolver.internal' is not IP or IP:port (like 127.0.0.53, 127.0.0.53:5353 or [::1]:53; a server is given by address, never by name)",
                "Health:Resources:0:Check:ExpectAddresses:0: '10.0.0.0/33' is not an address or a CIDR network (like 192.0.2.0/24, 192.0.2.7 or 2001:db8::/32)",
            ],
            loaded.Errors);
    }

    [Fact]
    public void Validate_HealthZonePool_BindsInstancesMinHealthyAndRegistryZones()
    {
        // Arrange: the example: storage in three zones, and a registry served from them.
        var root = Json("""
            { "Health": { "Region": "eastus", "Listen": "http://127.0.0.1:0",
              "Resources": [ { "Id": "sa-1", "Kind": "Storage", "MinHealthy": 2, "Instances": [
                { "Zone": "1", "Check": { "Type": "Filesystem", "Path": "/srv/z1" } },
                { "Zone": "2", "Check": { "Type": "Filesystem", "Path": "/srv/z2" } },
                { "Zone": "3", "Check": { "Type": "Filesystem", "Path": "/srv/z3", "TimeoutSeconds": 2 } } ] } ],
              "Registries": [ { "Name": "contoso", "Storage": "sa-1", "Zones": [ "1", "2", "3" ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var resource = Assert.Single(loaded.Options!.Health!.Resources);
        Assert.Equal(2, resource.MinHealthy);
        Assert.Equal(["1", "2", "3"], resource.Instances.Select(i => i.Zone));
        Assert.Equal(["/srv/z1", "/srv/z2", "/srv/z3"], resource.Instances.Select(i => i.Check.Path));
        Assert.Equal(2, resource.Instances[2].Check.TimeoutSeconds);
        Assert.Equal(["1", "2", "3"], Assert.Single(loaded.Options.Health.Registries).Zones);
    }

    [Fact]
    public void Validate_HealthZonePoolMistakes_ReportsEveryErrorWithItsPath()
    {
        // Arrange
        var root = Json("""
            { "Health": { "Region": "eastus", "Listen": "http://127.0.0.1:0",
              "Resources": [ { "Id": "sa-1", "Kind": "Storage", "MinHealthy": 4, "Check": { "Type": "Filesystem", "Path": "/srv" }, "Instances": [
                { "Zone": "1", "Check": { "Type": "Filesystem", "Path": "/srv/z1" } },
                { "Zone": "1", "Check": { "Type": "Filesystem", "Path": "/srv/z2", "Colour": "blue" } },
                { "Zone": "3", "Check": { "Type": "Filesystem", "Path": "/srv/z3" } } ] } ],
              "Registries": [ { "Name": "contoso", "Storage": "sa-1", "Zones": [ "1", "4" ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert: as `router validate` prints them.
        Assert.StartsWith("Health:Resources:0:Instances:1:Check:Colour: unknown key", loaded.Errors[0], StringComparison.Ordinal);
        Assert.Equal(
            [
                "Health:Resources:0:Check: a resource has either Check or Instances, not both",
                "Health:Resources:0:MinHealthy: must be 1-3 (the number of instances)",
                "Health:Resources:0:Instances:1:Zone: '1' is used by another instance of this resource",
            ],
            loaded.Errors.Skip(1));
    }

    [Fact]
    public void Validate_ContractExample_IsValid()
    {
        // Arrange: the configuration of CONTRACT.md's example, every section.
        var root = Json("""
            {
              "Dns": { "Listen": [ "127.0.0.53:53" ],
                "Zones": [ { "Name": "registry.test", "Ttl": 300,
                  "Records": [ { "Name": "contoso", "Type": "CNAME", "Value": "contoso.tm.registry.test." },
                               { "Name": "www", "Type": "A", "Value": "127.0.0.80" } ] } ],
                "Forwarding": { "Enabled": true, "Upstreams": [ "127.0.0.1:5300" ], "AllowedClients": [ "127.0.0.0/8", "::1/128" ] } },
              "TrafficManager": { "Zone": "tm.registry.test",
                "LatencyTable": [ { "Network": "127.0.0.0/8", "Latencies": { "eastus": 10, "westeurope": 80, "eastasia": 190 } } ],
                "Profiles": [ { "Name": "contoso", "RoutingMethod": "Performance", "Ttl": 30,
                  "Monitor": { "Protocol": "Http", "Port": 8081, "Path": "/health/registries/contoso",
                               "IntervalSeconds": 30, "TimeoutSeconds": 10, "ToleratedFailures": 3,
                               "ExpectedStatusCodes": [ "200-299" ], "Headers": { "Host": "contoso.registry.test" },
                               "Fallback": { "Port": 5000, "Path": "/v2/", "ExpectedStatusCodes": [ "200-299", "401" ] } },
                  "Endpoints": [
                    { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11", "Enabled": true },
                    { "Name": "westeurope", "Location": "westeurope", "Target": "127.0.0.12" },
                    { "Name": "eastasia", "Location": "eastasia", "Target": "127.0.0.13", "Priority": 3, "Weight": 1 } ] } ] },
              "Admin": { "Listen": "http://127.0.0.1:8053" }
            }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Empty(loaded.Errors);
        Assert.Equal(3, loaded.Options!.TrafficManager!.Profiles[0].Endpoints.Count);
        Assert.Equal("contoso.registry.test", loaded.Options.TrafficManager.Profiles[0].Monitor.Headers["host"]);
        Assert.Equal(5000, loaded.Options.TrafficManager.Profiles[0].Monitor.Fallback!.Port);
    }

    [Fact]
    public void Validate_LoggingSection_IsAccepted()
    {
        // Arrange
        var root = Json("""{ "Dns": { "Listen": [ "127.0.0.1:0" ] }, "Logging": { "LogLevel": { "Default": "Warning" } } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
    }

    [Fact]
    public void Validate_OverrideLayerOnTopOfFile_Wins()
    {
        // Arrange: the environment provider is the last layer in Load; an in-memory layer stands in for it here, because
        // environment variables are process-wide and tests run in parallel (the real variable is tested end to end).
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("""{ "Dns": { "Listen": [ "127.0.0.1:1" ] } }"""));
        var root = new ConfigurationBuilder()
            .AddJsonStream(stream)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Dns:Listen:0"] = "127.0.0.1:2" })
            .Build();

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["127.0.0.1:2"], loaded.Options!.Dns!.Listen);
    }

    private static IConfigurationRoot Json(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }
}

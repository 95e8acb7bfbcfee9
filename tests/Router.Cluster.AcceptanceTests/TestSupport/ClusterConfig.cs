using System.Globalization;
using System.Net;

namespace Router.Cluster.AcceptanceTests.TestSupport;

/// <summary>
/// The one configuration file every router instance of the tests reads, and the names, addresses and timing the tests
/// compute their bounds from. Per-instance differences (id, listeners, state file, instance 3's monitor port) are
/// environment overrides (<see cref="ClusterRouter"/>), as an operator would set them.
/// </summary>
internal static class ClusterConfig
{
    public const string Zone = "tm.cluster.test";
    public const string Profile = "contoso";
    public const string Name = Profile + "." + Zone;

    /// <summary>The endpoints in priority order: eastus answers while it is eligible, then westeurope, then eastasia.</summary>
    public static readonly IReadOnlyList<string> Regions = ["eastus", "westeurope", "eastasia"];

    public static readonly IReadOnlyDictionary<string, string> Targets = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["eastus"] = "127.0.0.11",
        ["westeurope"] = "127.0.0.12",
        ["eastasia"] = "127.0.0.13",
    };

    /// <summary>Short probing, so that the bounds the acceptance fixes (bound + 1 s) are meaningful.</summary>
    public const double IntervalSeconds = 1;

    /// <summary>Well under the interval, yet long enough that a probe slowed by a loaded machine (load ~40) is not a failure.</summary>
    public const double TimeoutSeconds = 0.9;

    public const int ToleratedFailures = 1;

    /// <summary>
    /// Membership lease: an instance killed without revoking drops out within this. Short for the test, but not so short
    /// that a keep-alive delayed by a loaded machine (load ~40) loses a live instance its lease.
    /// </summary>
    public const int LeaseSeconds = 5;

    /// <summary>One instance's detection bound: (ToleratedFailures + 1) × IntervalSeconds + TimeoutSeconds.</summary>
    public static TimeSpan SingleInstanceBound => TimeSpan.FromSeconds((ToleratedFailures + 1) * IntervalSeconds + TimeoutSeconds);

    public static IPAddress Address(string region) => IPAddress.Parse(Targets[region]);

    public static string RegionOf(string? address) =>
        Targets.FirstOrDefault(t => t.Value == address).Key ?? (string.IsNullOrEmpty(address) ? "(no answer)" : address);

    /// <summary>The file's text: instance router-1's values; the others override theirs.</summary>
    public static string Json(IReadOnlyList<string> etcdEndpoints, string prefix, int monitorPort, IPEndPoint dns, IPEndPoint admin, string stateFile) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "Dns": {
            "Listen": [ "{{dns}}" ],
            "Zones": [ { "Name": "cluster.test", "Records": [ { "Name": "{{Profile}}", "Type": "CNAME", "Value": "{{Name}}." } ] } ]
          },
          "TrafficManager": {
            "Zone": "{{Zone}}",
            "Profiles": [
              { "Name": "{{Profile}}", "RoutingMethod": "Priority", "Ttl": 1,
                "Monitor": { "Protocol": "Http", "Port": {{monitorPort}}, "Path": "/health/registries/{{Profile}}",
                             "IntervalSeconds": {{IntervalSeconds}}, "TimeoutSeconds": {{TimeoutSeconds}}, "ToleratedFailures": {{ToleratedFailures}},
                             "ExpectedStatusCodes": [ "200" ] },
                "Endpoints": [
                  { "Name": "eastus", "Target": "{{Targets["eastus"]}}", "Priority": 1 },
                  { "Name": "westeurope", "Target": "{{Targets["westeurope"]}}", "Priority": 2 },
                  { "Name": "eastasia", "Target": "{{Targets["eastasia"]}}", "Priority": 3 }
                ] }
            ]
          },
          "Admin": { "Listen": "http://{{admin}}", "StateFile": "{{stateFile}}" },
          "Cluster": {
            "Endpoints": [ {{string.Join(", ", etcdEndpoints.Select(e => "\"" + e + "\""))}} ],
            "Prefix": "{{prefix}}",
            "InstanceId": "router-1",
            "Quorum": "Majority",
            "LeaseSeconds": {{LeaseSeconds}}
          },
          "Logging": { "LogLevel": { "Default": "Information" } }
        }
        """);
}

namespace Router.Cli.Tests.TestSupport;

/// <summary>Configuration files used across the tests.</summary>
internal static class TestConfigs
{
    public const string Zone = "example.test";

    public const string WwwName = "www." + Zone;

    /// <summary>A valid file: one zone with <c>www</c> A <paramref name="www"/>, served on <paramref name="listen"/>.</summary>
    public static string Valid(string listen = "127.0.0.1:0", string www = "127.0.0.80") => $$"""
        {
          "Dns": {
            "Listen": [ "{{listen}}" ],
            "Zones": [
              { "Name": "{{Zone}}", "Ttl": 60,
                "Records": [
                  { "Name": "www", "Type": "A", "Value": "{{www}}" },
                  { "Name": "@", "Type": "TXT", "Value": "router cli tests" }
                ] }
            ]
          },
          "Logging": { "LogLevel": { "Default": "Information" } }
        }
        """;

    /// <summary>A file whose only error is the value of <c>Dns:Zones:0:Records:0:Value</c>.</summary>
    public static string BadRecordValue(string listen = "127.0.0.1:0") => $$"""
        {
          "Dns": {
            "Listen": [ "{{listen}}" ],
            "Zones": [
              { "Name": "{{Zone}}", "Ttl": 60,
                "Records": [ { "Name": "www", "Type": "A", "Value": "300.1.2.3" } ] }
            ]
          }
        }
        """;

    /// <summary>A file with one error of each kind the loader reports; see <see cref="ManyErrorsExpected"/>.</summary>
    public const string ManyErrors = """
        {
          "Dns": {
            "Listen": [ "127.0.0.1:99999" ],
            "Zones": [
              { "Name": "example.test", "Ttl": "abc",
                "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.80" },
                             { "Name": "api", "Type": "A", "Value": "not-an-ip" } ] },
              { "Name": "dup.test", "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.1" } ] },
              { "Name": "dup.test", "Records": [] }
            ],
            "Forwarding": { "Enabled": true, "AllowedClient": [ "127.0.0.0/8" ], "AllowedClients": [ "10.0.0.1/8" ] }
          },
          "Health": { "Region": "", "Registries": [ { "Name": "contoso", "Storage": "nope" } ] },
          "TrafficManager": { "Zone": "tm.example.test",
            "Profiles": [ { "Name": "contoso", "Monitor": { "ToleratedFailures": 12 },
                            "Endpoints": [ { "Name": "eastus", "Location": "eastus", "Target": "127.0.0.11" } ] } ] },
          "Admin": { "Listen": "http://192.0.2.1:8053" }
        }
        """;

    /// <summary>
    /// The errors <see cref="ManyErrors"/> must produce: each a key path and a fragment its reason must contain.
    /// Reasons worded by Router.Cli itself are matched whole.
    /// </summary>
    public static readonly (string Path, string ReasonContains)[] ManyErrorsExpected =
    [
        ("Admin:BearerToken", "required when Admin:Listen is not a loopback address"),
        ("TrafficManager:Profiles:0:Monitor:ToleratedFailures", "must be 0-9"),
        ("Health:Region", "required"),
        ("Health:Registries:0:Storage", "'nope' is not a resource in Health:Resources"),
        ("Dns:Forwarding:AllowedClient", "unknown key (known here: "),
        ("Dns:Zones:0:Ttl", "'abc' is not a whole number"),
        ("Dns:Listen:0", "99999"),
        ("Dns:Zones:0:Records:1:Value", "not-an-ip"),
        ("Dns:Zones:2:Name", "dup.test"),
        ("Dns:Forwarding:AllowedClients:0", "10.0.0.1/8"),
    ];
}

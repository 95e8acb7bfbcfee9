using System.Net;
using System.Text.Json;
using Router.Cli.Tests.TestSupport;
using Router.Testing;
using Router.Testing.Dns;
using Router.Testing.Geo;
using DigResult = Router.Testing.Dns.DigResult;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// Geographic routing as a user runs it: a real <c>router serve</c> with a country database written by
/// <c>write-country-mmdb.pl</c> (Debian's <c>libmaxmind-db-writer-perl</c>), asked with the real <c>kdig</c> sending
/// Client Subnet addresses from three countries on two continents, an unmapped country, and NODATA without WORLD; then
/// the database file replaced (picked up while running) and replaced by garbage (the old one stays).
/// </summary>
public sealed class GeographicProcessTests : IAsyncLifetime
{
    private const string Zone = "tm.registry.test";
    private const string Geo = "geo." + Zone;
    private const string Regional = "regional." + Zone;
    private const string Germany = "127.0.0.11";
    private const string Europe = "127.0.0.12";
    private const string Americas = "127.0.0.13";
    private const string World = "127.0.0.14";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The poll interval (2 s) and a read, with what a busy two-core machine may add.</summary>
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(20);

    private static readonly CountryNetwork[] Networks =
    [
        new("10.1.0.0/16", "DE", "EU"),
        new("10.2.0.0/16", "FR", "EU"),
        new("10.3.0.0/16", "US", "NA"),
        new("10.4.0.0/16", "JP", "AS"),
    ];

    private readonly TempDirectory _directory = new();
    private FlippableHealthServer _health = null!;
    private IPEndPoint _dns = null!;
    private IPEndPoint _admin = null!;

    private string DatabasePath => Path.Combine(_directory.Path, "country.mmdb");

    public async Task InitializeAsync()
    {
        _health = await FlippableHealthServer.StartAsync([.. new[] { Germany, Europe, Americas, World }.Select(IPAddress.Parse)]);
        _dns = Loopback.FreeEndpoint();
        _admin = Loopback.FreeEndpoint();
    }

    public async Task DisposeAsync()
    {
        await _health.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Geographic_EcsFromCountriesAndContinents_MappedEndpointsWorldAndNoData()
    {
        // Arrange
        CountryDatabase.Write(DatabasePath, Networks);
        await using var router = await StartRouterAsync();

        // Act: Germany, France (EU), the United States (NA), Japan (AS, mapped by no one).
        var germany = await KdigAsync(Geo, "10.1.2.0/24");
        var france = await KdigAsync(Geo, "10.2.7.0/24");
        var unitedStates = await KdigAsync(Geo, "10.3.1.0/24");
        var japan = await KdigAsync(Geo, "10.4.1.0/24");
        var japanWithoutWorld = await KdigAsync(Regional, "10.4.1.0/24");
        var franceWithoutWorld = await KdigAsync(Regional, "10.2.7.0/24");

        // Assert
        Assert.Equal([Germany], Addresses(germany));
        Assert.Equal("10.1.2.0/24/16", germany.ClientSubnet);
        Assert.Contains("aa", germany.Flags);
        Assert.Equal([Europe], Addresses(france));
        Assert.Equal([Americas], Addresses(unitedStates));
        Assert.Equal([World], Addresses(japan));
        AssertNoData(japanWithoutWorld);
        Assert.Equal([Europe], Addresses(franceWithoutWorld));
    }

    [Fact]
    public async Task Geographic_Explain_ShowsCountryContinentAndMapping()
    {
        // Arrange
        CountryDatabase.Write(DatabasePath, Networks);
        await using var router = await StartRouterAsync();

        using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitForAdminAsync(client, router);

        // Act
        using var found = JsonDocument.Parse(await client.GetStringAsync($"api/explain?name={Geo}&client=10.2.7.1"));
        using var missing = JsonDocument.Parse(await client.GetStringAsync($"api/explain?name={Regional}&client=10.4.1.1"));

        // Assert
        var geo = found.RootElement.GetProperty("geo");
        Assert.Equal(("FR", "EU", "EU"), (geo.GetProperty("country").GetString(), geo.GetProperty("continent").GetString(), geo.GetProperty("mapping").GetString()));
        Assert.StartsWith("GeoLite2-Country built ", geo.GetProperty("database").GetString(), StringComparison.Ordinal);
        Assert.Contains("the most specific mapping is the continent EU: europe", found.RootElement.GetProperty("rule").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, missing.RootElement.GetProperty("geo").GetProperty("mapping").ValueKind);
        Assert.EndsWith("no endpoint maps JP, AS, WORLD: NODATA", missing.RootElement.GetProperty("rule").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GeoDatabase_FileReplacedThenGarbage_NewMappingPickedUpAndKeptThroughGarbage()
    {
        // Arrange
        CountryDatabase.Write(DatabasePath, Networks);
        await using var router = await StartRouterAsync();
        Assert.Equal([World], Addresses(await KdigAsync(Geo, "10.4.1.0/24")));

        // Act 1: 10.4.0.0/16 moves to Germany.
        CountryDatabase.Write(DatabasePath, [.. Networks.Where(n => n.Network != "10.4.0.0/16"), new("10.4.0.0/16", "DE", "EU")]);
        await WaitForEcsAnswerAsync(Geo, "10.4.1.0/24", Germany, router);

        // Act 2: garbage in its place.
        File.WriteAllText(DatabasePath + ".tmp", "not a database");
        File.Move(DatabasePath + ".tmp", DatabasePath, overwrite: true);
        await router.WaitForStdoutAsync(line => line.Contains("cannot be read", StringComparison.Ordinal), ReloadTimeout, "the failed read of the garbage");
        var afterGarbage = await KdigAsync(Geo, "10.4.1.0/24");

        // Assert
        Assert.Equal([Germany], Addresses(afterGarbage));
        Assert.False(router.HasExited);
    }

    [Fact]
    public async Task Validate_GeoDatabaseNotAMaxMindFile_ErrorWithItsKeyPath()
    {
        // Arrange
        File.WriteAllText(DatabasePath, "not a database");
        string config = _directory.Write("router.json", Config());

        // Act
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await Program.RunAsync(["validate", "--config", config], output, error, CancellationToken.None);

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains("TrafficManager:GeoDatabase: not a MaxMind DB country database", output.ToString() + error, StringComparison.Ordinal);
    }

    private static void AssertNoData(DigResult result)
    {
        Assert.Equal("NOERROR", result.Status);
        Assert.Empty(result.Answer);
        Assert.Equal("SOA", Assert.Single(result.Authority).Type);
    }

    private async Task WaitForEcsAnswerAsync(string name, string subnet, string expected, RouterProcess router)
    {
        var deadline = DateTime.UtcNow + ReloadTimeout;
        string[] last = [];
        while (DateTime.UtcNow < deadline && !router.HasExited)
        {
            last = Addresses(await KdigAsync(name, subnet));
            if (last.SequenceEqual([expected]))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{name} for {subnet} did not answer {expected} within {ReloadTimeout.TotalSeconds} s (last: {string.Join(", ", last)}).{Environment.NewLine}{router.Describe()}");
    }

    /// <summary>The admin listener starts beside the DNS server, not before it: asks until it answers.</summary>
    private static async Task WaitForAdminAsync(HttpClient client, RouterProcess router)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("api/profiles");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline && !router.HasExited)
            {
                // Not listening yet, or too slow on a loaded machine: ask again.
            }

            Assert.True(DateTime.UtcNow < deadline && !router.HasExited, $"the admin API did not answer.{Environment.NewLine}{router.Describe()}");
            await Task.Delay(100);
        }
    }

    private async Task<RouterProcess> StartRouterAsync()
    {
        string path = _directory.Write("router.json", Config());
        var router = RouterProcess.Start(["serve", "--config", path]);
        try
        {
            await router.WaitForStdoutAsync(line => line.Contains("Traffic manager answering zone", StringComparison.Ordinal), StartTimeout, "the traffic manager start line");
            await DnsProbe.WaitForAnswerAsync(_dns, Geo, World, router, StartTimeout);
            return router;
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
    }

    // The database is named relative to the configuration file, as an operator would keep them together.
    private string Config() => $$"""
        {
          "Dns": { "Listen": [ "{{_dns}}" ] },
          "TrafficManager": {
            "Zone": "{{Zone}}",
            "GeoDatabase": "country.mmdb",
            "Profiles": [
              { "Name": "geo", "RoutingMethod": "Geographic", "Ttl": 5,
                "Monitor": { "Port": {{_health.Port}}, "Path": "/health", "IntervalSeconds": 30, "TimeoutSeconds": 5 },
                "Endpoints": [
                  { "Name": "germany", "Target": "{{Germany}}", "GeoMapping": [ "DE" ] },
                  { "Name": "europe", "Target": "{{Europe}}", "GeoMapping": [ "EU" ] },
                  { "Name": "americas", "Target": "{{Americas}}", "GeoMapping": [ "GEO-NA" ] },
                  { "Name": "world", "Target": "{{World}}", "GeoMapping": [ "WORLD" ] }
                ] },
              { "Name": "regional", "RoutingMethod": "Geographic", "Ttl": 5,
                "Monitor": { "Port": {{_health.Port}}, "Path": "/health", "IntervalSeconds": 30, "TimeoutSeconds": 5 },
                "Endpoints": [
                  { "Name": "europe", "Target": "{{Europe}}", "GeoMapping": [ "EU" ] },
                  { "Name": "americas", "Target": "{{Americas}}", "GeoMapping": [ "GEO-NA", "GEO-SA" ] }
                ] }
            ]
          },
          "Admin": { "Listen": "http://{{_admin}}" }
        }
        """;

    private Task<DigResult> KdigAsync(string name, string subnet) =>
        DnsTools.QueryAsync(DnsClientTool.Kdig, _dns, name, "A", tcp: false, "+subnet=" + subnet);

    private static string[] Addresses(DigResult result) => [.. result.Answer.Where(r => r.Type is "A" or "AAAA").Select(r => r.Data)];
}

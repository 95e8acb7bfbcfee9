using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using DnsClient;
using Router.Testing;
using Xunit.Sdk;

namespace Router.Cluster.AcceptanceTests.TestSupport;

/// <summary>
/// One <c>router serve</c> instance of the cluster: the shared configuration file plus this instance's environment
/// overrides (<c>Router__Cluster__InstanceId</c>, its DNS and admin listeners, its state file), started, killed and
/// started again by the tests, and asked through its DNS listener, its admin API and <c>router status</c>.
/// </summary>
internal sealed class ClusterRouter : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(1);

    private readonly string _configPath;
    private readonly Dictionary<string, string?> _environment;
    private readonly HttpClient _http;
    private bool _killed;

    public ClusterRouter(int number, string configPath, string directory, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        Id = "router-" + number.ToString(CultureInfo.InvariantCulture);
        _configPath = configPath;
        // Killed and started again on the same ports: ports no outgoing socket is given meanwhile.
        Dns = Loopback.FreeEndpointOutsideEphemeralRange();
        Admin = Loopback.FreeEndpointOutsideEphemeralRange();
        Directory = Path.Combine(directory, Id);
        System.IO.Directory.CreateDirectory(Directory);
        _environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Router__Cluster__InstanceId"] = Id,
            ["Router__Dns__Listen__0"] = Dns.ToString(),
            ["Router__Admin__Listen"] = AdminUrl,
            ["Router__Admin__StateFile"] = StateFile,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _environment[key] = value;
        }

        _http = new HttpClient { BaseAddress = new Uri(AdminUrl + "/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Id { get; }

    public IPEndPoint Dns { get; }

    public IPEndPoint Admin { get; }

    public string AdminUrl => "http://" + Admin;

    /// <summary>This instance's own directory: its state file (manual settings kept on local disk) and working directory.</summary>
    public string Directory { get; }

    public string StateFile => Path.Combine(Directory, "router-state.json");

    public RouterProcess? Process { get; private set; }

    public bool IsRunning => Process is not null && !_killed && !Process.HasExited;

    /// <summary>The quorum rule it was started with (<c>Router__Cluster__Quorum</c>; the file says Majority).</summary>
    public string Quorum { get; private set; } = "Majority";

    /// <summary>
    /// Starts the instance with <paramref name="quorum"/> and waits (bounded) until its traffic manager answers and its
    /// admin API responds.
    /// </summary>
    public async Task StartAsync(string quorum = "Majority")
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Id} already runs");
        }

        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        _killed = false;
        Quorum = quorum;
        var environment = new Dictionary<string, string?>(_environment, StringComparer.Ordinal) { ["Router__Cluster__Quorum"] = quorum };
        Process = RouterProcess.Start(["serve", "--config", _configPath], environment, Directory);
        await Process.WaitForStdoutAsync(line => line.Contains("Traffic manager answering zone", StringComparison.Ordinal), StartTimeout, $"{Id}'s traffic manager start line");
        if (!await Poll.TryUntilAsync(async () => (await TryGetAsync("api/cluster")) is not null, StartTimeout))
        {
            throw new XunitException($"{Id}'s admin API ({AdminUrl}) did not answer within {StartTimeout.TotalSeconds} s.{Environment.NewLine}{Process.Describe()}");
        }
    }

    /// <summary>SIGKILL (no lease revoked, nothing flushed), and waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (Process is not null)
        {
            _killed = true;
            await Process.DisposeAsync();
        }
    }

    /// <summary>The A addresses it answers for <paramref name="name"/> (empty when it does not answer within 1 s).</summary>
    public async Task<IReadOnlyList<string>> AnswerAsync(string name = ClusterConfig.Name)
    {
        try
        {
            var response = await LoopbackDnsClient.QueryAsync(Dns, name, QueryType.A, timeout: QueryTimeout);
            return LoopbackDnsClient.Addresses(response);
        }
        catch (DnsResponseException)
        {
            return [];
        }
    }

    /// <summary>The region it answers for the profile name (the first A record), or why not.</summary>
    public async Task<string> AnsweredRegionAsync() => ClusterConfig.RegionOf((await AnswerAsync()).FirstOrDefault());

    /// <summary>GET of an admin API path as JSON; fails the test when the API does not answer 200.</summary>
    public async Task<JsonElement> GetAsync(string path) =>
        await TryGetAsync(path) ?? throw new XunitException($"GET {AdminUrl}/{path} failed.{Environment.NewLine}{Process?.Describe()}");

    /// <summary>GET of an admin API path as JSON; null when it does not answer 200 (yet).</summary>
    public async Task<JsonElement?> TryGetAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(path);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary><c>PUT /api/profiles/{p}/endpoints/{e}</c> with <c>{"enabled": …}</c>: the status code and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PutEnabledAsync(string endpoint, bool enabled)
    {
        using var content = new StringContent(enabled ? """{"enabled": true}""" : """{"enabled": false}""", Encoding.UTF8, "application/json");
        using var response = await _http.PutAsync($"api/profiles/{ClusterConfig.Profile}/endpoints/{endpoint}", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>This instance's endpoint entry of the profile (<c>GET /api/profiles/{p}</c>).</summary>
    public async Task<JsonElement> EndpointAsync(string endpoint)
    {
        var profile = await GetAsync("api/profiles/" + ClusterConfig.Profile);
        return profile.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == endpoint);
    }

    /// <summary>What <c>router status --admin URL</c> prints (stdout and stderr), after it exits 0.</summary>
    public Task<string> StatusAsync() => RunCliAsync("status", "--admin", AdminUrl);

    /// <summary>What <c>router explain NAME --admin URL</c> prints, after it exits 0.</summary>
    public Task<string> ExplainAsync() => RunCliAsync("explain", ClusterConfig.Name, "--admin", AdminUrl);

    public string Describe() => $"{Id} (DNS {Dns}, admin {AdminUrl}): {Process?.Describe() ?? "never started"}";

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        _http.Dispose();
    }

    private static async Task<string> RunCliAsync(params string[] arguments)
    {
        await using var cli = RouterProcess.Start(arguments);
        int exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (exit != 0)
        {
            throw new XunitException($"router {string.Join(' ', arguments)} exited with {exit}.{Environment.NewLine}{cli.Describe()}");
        }

        return cli.Output;
    }
}

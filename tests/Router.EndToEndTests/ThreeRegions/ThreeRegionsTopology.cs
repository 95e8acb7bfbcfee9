using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Router.EndToEndTests.TestSupport;
using Router.Testing;
using Router.Testing.Dns;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>Every end-to-end test shares one topology and runs alone (one collection, run sequentially).</summary>
[CollectionDefinition(Name)]
public sealed class ThreeRegionsCollection : ICollectionFixture<ThreeRegionsTopology>
{
    public const string Name = "three-regions";
}

/// <summary>
/// The sample topology (<c>samples/three-regions/three-regions.sh</c>) brought <c>up</c> once for the suite, in a
/// network namespace and state directory of this test run's own (a user's own topology is never touched), with the
/// <c>router</c> built next to the tests as <c>ROUTER_BIN</c>, and a tiny extra <c>router serve</c> inside the
/// namespace as the global router's forwarding upstream (zone <c>outside.test</c>; the namespace has no internet).
/// <c>down</c> runs at the end whatever happened, and also when <c>up</c> fails half-way.
/// </summary>
public sealed partial class ThreeRegionsTopology : IAsyncLifetime
{
    public const string OutsideName = "www.outside.test";
    public const string OutsideAddress = "192.0.2.80";
    public const string UpstreamAddress = "127.0.0.99";

    /// <summary>The sample's client credentials (README: users demo/demo-pass for clients).</summary>
    public const string ClientCredentials = "demo:demo-pass";

    private const string BasePrefix = "router-e2e-";
    private const string NamespacePrefix = "r3e2e-";
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan DownTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(30);

    private readonly IMessageSink _sink;
    private readonly Lock _upstreamLock = new();
    private readonly List<string> _upstreamOutput_NeedsLock = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _summary = new();
    private Process? _upstream;
    private bool _down;
    private int _pulls;

    public ThreeRegionsTopology(IMessageSink sink)
    {
        _sink = sink;
        int pid = Environment.ProcessId;
        BaseDirectory = Path.Combine("/tmp", BasePrefix + pid.ToString(CultureInfo.InvariantCulture));
        StateDirectory = Path.Combine(BaseDirectory, "state");
        Namespace = NamespacePrefix + pid.ToString(CultureInfo.InvariantCulture);
        Script = FindScript();
    }

    /// <summary>Everything of this run: the router copy, the wrapper, the upstream's config, pulls, and the state dir.</summary>
    internal string BaseDirectory { get; }

    internal string StateDirectory { get; }

    internal string Namespace { get; }

    internal string Script { get; }

    internal string RouterBin => Path.Combine(BaseDirectory, "bin", "router");

    internal TopologyConfig Config { get; private set; } = null!;

    /// <summary>The canary image's manifest digest (<c>$STATE/image/canary.digest</c>): what every pull must get.</summary>
    internal string CanaryDigest { get; private set; } = "";

    internal CommandResult? UpResult { get; private set; }

    internal bool UpReported { get; set; }

    /// <summary>Faults recorded by the script (<c>$STATE/regions/R/faults/KIND[.ARG]</c>).</summary>
    internal IReadOnlyList<string> ActiveFaults =>
        !Directory.Exists(Path.Combine(StateDirectory, "regions"))
            ? []
            : [.. Directory.EnumerateDirectories(Path.Combine(StateDirectory, "regions"))
                .SelectMany(r => Directory.Exists(Path.Combine(r, "faults"))
                    ? Directory.EnumerateFiles(Path.Combine(r, "faults")).Select(f => Path.GetFileName(r) + " " + Path.GetFileName(f))
                    : [])];

    /// <summary>Regions whose monitor has deep evaluation switched off (<c>deep-evaluation REGION disabled</c>).</summary>
    internal IReadOnlyList<string> DeepEvaluationDisabled =>
        !Directory.Exists(Path.Combine(StateDirectory, "regions"))
            ? []
            : [.. Directory.EnumerateDirectories(Path.Combine(StateDirectory, "regions"))
                .Where(r => File.Exists(Path.Combine(r, "deep-evaluation.disabled"))).Select(Path.GetFileName)!];

    public async Task InitializeAsync()
    {
        Prerequisites.Check();
        await CleanUpStaleRunsAsync();
        PrepareRouterBin();
        try
        {
            UpResult = await ScriptAsync(UpTimeout, "up");
            Log(UpResult.ToString());
            if (!UpResult.Succeeded)
            {
                throw new XunitException($"three-regions.sh up failed.{Environment.NewLine}{UpResult}{Environment.NewLine}{await DiagnosticsAsync()}");
            }

            var router = await ScriptAsync(ShortTimeout, "config", "router");
            var monitor = await ScriptAsync(ShortTimeout, "config", "monitor", "eastus");
            Assert.True(router.Succeeded && monitor.Succeeded, $"config failed{Environment.NewLine}{router}{Environment.NewLine}{monitor}");
            Config = TopologyConfig.Parse(router.Stdout, monitor.Stdout);
            CanaryDigest = (await File.ReadAllTextAsync(Path.Combine(StateDirectory, "image", "canary.digest"))).Trim();
            await StartUpstreamAsync();
            await WaitHealthyAsync(TimeSpan.FromSeconds(60), "after up");
        }
        catch
        {
            await DownAsync();
            throw;
        }
    }

    public Task DisposeAsync() => DownAsync();

    // ------------------------------------------------------------------ the script

    /// <summary>Runs <c>three-regions.sh ARGS</c> with this run's namespace, state dir, router and upstream.</summary>
    internal Task<CommandResult> ScriptAsync(TimeSpan timeout, params string[] arguments) =>
        ScriptAsync(timeout, watch: true, onLine: null, arguments);

    internal Task<CommandResult> ScriptAsync(TimeSpan timeout, bool watch, Action<OutputLine>? onLine, params string[] arguments) =>
        ScriptAsync(timeout, watch, onLine, monitorMode: null, arguments);

    /// <summary>
    /// As above; <paramref name="monitorMode"/> (Probe | Batch) is the router's monitor mode for an <c>up</c> (which records
    /// it in the state dir); null leaves the recorded one.
    /// </summary>
    private Task<CommandResult> ScriptAsync(TimeSpan timeout, bool watch, Action<OutputLine>? onLine, string? monitorMode, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["THREE_REGIONS_MONITOR_MODE"] = monitorMode,
            ["THREE_REGIONS_NETNS"] = Namespace,
            ["THREE_REGIONS_DIR"] = StateDirectory,
            ["ROUTER_BIN"] = RouterBin,
            ["THREE_REGIONS_UPSTREAMS"] = UpstreamAddress + ":53",
            ["THREE_REGIONS_WATCH"] = watch ? "1" : "0",
            ["THREE_REGIONS_INSTALL"] = "0",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        foreach (string key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("Router__", StringComparison.OrdinalIgnoreCase)))
        {
            environment[key] = null;
        }

        return Command.RunAsync("bash", [Script, .. arguments], timeout, environment, onLine);
    }

    /// <summary>Runs a command inside the namespace (<c>ip netns exec NS ...</c>).</summary>
    internal Task<CommandResult> ExecAsync(TimeSpan timeout, params string[] arguments) =>
        Command.RunAsync("ip", ["netns", "exec", Namespace, .. arguments], timeout);

    /// <summary><c>dig</c> inside the namespace, at Router (or <paramref name="server"/>).</summary>
    internal Task<DigResult> DigAsync(string name, string type = "A", string? server = null) =>
        DnsTools.RunAsync("ip", ["netns", "exec", Namespace, "dig", "@" + (server ?? Config.DnsAddress), "+time=1", "+tries=1", "+notcp", "-q", name, "-t", type]);

    // ------------------------------------------------------------------ reading the topology

    /// <summary>
    /// Every traffic manager endpoint's status from the admin API (profile/endpoint → status, fallback probe, and where
    /// the last result came from: <c>lastProbe.source</c>, which names the batch document in batch mode, null for a probe).
    /// </summary>
    internal async Task<IReadOnlyList<(string Profile, string Endpoint, string Status, bool Fallback, string? Source)>> EndpointsAsync()
    {
        var result = await ExecAsync(TimeSpan.FromSeconds(10), "curl", "-sf", "-m", "3", Config.Admin + "/api/profiles");
        if (!result.Succeeded)
        {
            return [];
        }

        using var json = JsonDocument.Parse(result.Stdout);
        var list = new List<(string, string, string, bool, string?)>();
        foreach (var profile in json.RootElement.EnumerateArray())
        {
            foreach (var endpoint in profile.GetProperty("endpoints").EnumerateArray())
            {
                bool probed = endpoint.TryGetProperty("lastProbe", out var probe) && probe.ValueKind == JsonValueKind.Object;
                bool fallback = probed && probe.TryGetProperty("fallback", out var f) && f.ValueKind == JsonValueKind.True;
                string? source = probed && probe.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                list.Add((profile.GetProperty("name").GetString()!, endpoint.GetProperty("name").GetString()!, endpoint.GetProperty("status").GetString()!, fallback, source));
            }
        }

        return list;
    }

    /// <summary>A monitor's resources (<c>GET /health/resources</c>): id and state; empty when the monitor does not answer.</summary>
    internal async Task<IReadOnlyList<(string Id, string State)>> MonitorResourcesAsync(string region)
    {
        var result = await ExecAsync(TimeSpan.FromSeconds(10), "curl", "-sf", "-m", "3", $"http://{Config.Fronts[region]}:8081/health/resources");
        if (!result.Succeeded)
        {
            return [];
        }

        using var json = JsonDocument.Parse(result.Stdout);
        return [.. json.RootElement.GetProperty("resources").EnumerateArray()
            .Select(r => (r.GetProperty("id").GetString()!, r.GetProperty("state").GetString()!))];
    }

    /// <summary>A monitor's <c>GET /health/registries/TENANT</c>: status code and body.</summary>
    internal async Task<(int Status, string Body)> RegistryVerdictAsync(string region, string tenant)
    {
        string url = $"http://{Config.Fronts[region]}:8081/health/registries/{tenant}";
        var result = await ExecAsync(TimeSpan.FromSeconds(10), "curl", "-s", "-m", "3", "-w", "\n%{http_code}", url);
        string text = result.Stdout;
        int newline = text.LastIndexOf('\n');
        return newline < 0 ? (0, text) : (int.TryParse(text[(newline + 1)..], out int code) ? code : 0, text[..newline]);
    }

    /// <summary>Lines of a process log under the state dir (e.g. <c>regions/eastus/logs/monitor.log</c>).</summary>
    internal string[] LogLines(string relativePath)
    {
        string path = Path.Combine(StateDirectory, relativePath);
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Log lines written at or after <paramref name="sinceUtc"/> (the router logs <c>HH:mm:ss.fff</c> in UTC) containing <paramref name="text"/>.</summary>
    internal IReadOnlyList<string> LogLinesSince(string relativePath, DateTime sinceUtc, string text) =>
        [.. LogEventsSince(relativePath, sinceUtc, text).Select(e => e.Line)];

    /// <summary>As <see cref="LogLinesSince"/>, with each line's time (UTC, from its <c>HH:mm:ss.fff</c>).</summary>
    internal IReadOnlyList<(DateTime At, string Line)> LogEventsSince(string relativePath, DateTime sinceUtc, string text)
    {
        var lines = new List<(DateTime, string)>();
        foreach (string line in LogLines(relativePath))
        {
            if (line.Length < 12 || !TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time))
            {
                continue;
            }

            var at = sinceUtc.Date + time;
            if (at > sinceUtc.AddHours(12))
            {
                at = at.AddDays(-1);
            }
            else if (at < sinceUtc.AddHours(-12))
            {
                at = at.AddDays(1);
            }

            if (at >= sinceUtc.AddMilliseconds(-500) && line.Contains(text, StringComparison.Ordinal))
            {
                lines.Add((at, line));
            }
        }

        return lines;
    }

    // ------------------------------------------------------------------ client actions

    /// <summary>
    /// A pull by name inside the namespace, as a client does it: <c>skopeo copy</c> of <c>TENANT.registry.test:PORT/canary:1</c>
    /// (resolved through Router by skopeo itself) into an OCI layout, whose manifest digest is returned (null when it failed).
    /// </summary>
    internal async Task<(string? Digest, CommandResult Result)> PullAsync(string tenant)
    {
        string dest = Path.Combine(BaseDirectory, "pulls", tenant + "-" + Interlocked.Increment(ref _pulls).ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        var result = await ExecAsync(TimeSpan.FromSeconds(45), "skopeo", "--command-timeout", "20s", "copy", "-q",
            "--src-creds", ClientCredentials, "--src-tls-verify=false",
            $"docker://{Config.Name(tenant)}:{Config.TenantPorts[tenant]}/canary:1", $"oci:{dest}:1");
        string? digest = null;
        try
        {
            if (result.Succeeded && File.Exists(Path.Combine(dest, "index.json")))
            {
                using var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dest, "index.json")));
                digest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString();
            }
        }
        finally
        {
            if (Directory.Exists(dest))
            {
                Directory.Delete(dest, recursive: true);
            }
        }

        return (digest, result);
    }

    // ------------------------------------------------------------------ waiting and healing

    /// <summary>
    /// Waits (bounded) until every name answers the home region and every traffic manager endpoint is Online — the
    /// state each test starts from and leaves behind. Fails with the script's status and the logs.
    /// </summary>
    internal async Task WaitHealthyAsync(TimeSpan timeout, string when)
    {
        var deadline = TestClock.Now + timeout;
        string last = "";
        while (true)
        {
            var answers = new List<string>();
            bool ok = true;
            foreach (string tenant in Config.Tenants)
            {
                var dig = await DigAsync(Config.Name(tenant));
                string? address = dig.Answers("A").LastOrDefault()?.Data;
                answers.Add($"{tenant}={Config.RegionOf(address)}");
                ok &= dig.Status == "NOERROR" && address == Config.Fronts[Config.HomeRegion];
            }

            var endpoints = await EndpointsAsync();
            var notOnline = endpoints.Where(e => e.Status != "Online").Select(e => $"{e.Profile}/{e.Endpoint}={e.Status}").ToList();
            ok &= endpoints.Count > 0 && notOnline.Count == 0;

            // And every monitor has every resource Healthy: a resource still recovering (e.g. after a fault healed while
            // deep evaluation was off) would fail a registry a moment later and move its name in the next test.
            var notHealthy = new List<string>();
            foreach (string region in Config.Regions)
            {
                var resources = await MonitorResourcesAsync(region);
                notHealthy.AddRange(resources.Count == 0
                    ? [$"{region}: monitor did not answer"]
                    : resources.Where(r => r.State != "Healthy").Select(r => $"{region}/{r.Id}={r.State}"));
            }

            ok &= notHealthy.Count == 0;
            if (ok)
            {
                return;
            }

            last = $"answers: {string.Join(' ', answers)}; endpoints not Online: {(endpoints.Count == 0 ? "(admin API did not answer)" : string.Join(' ', notOnline))}; " +
                   $"resources not Healthy: {string.Join(' ', notHealthy)}";
            if (TestClock.Now >= deadline)
            {
                throw new XunitException($"the topology did not become healthy ({when}) within {timeout.TotalSeconds:0} s: {last}{Environment.NewLine}{await DiagnosticsAsync()}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Puts the topology back: heals every recorded fault, switches deep evaluation back on, then waits until
    /// healthy. Used before each test (after a failed one) and in each test's cleanup.
    /// </summary>
    internal async Task RestoreAsync(ITestOutputHelper? output, string when)
    {
        var outcomes = new List<CommandResult>();
        if (ActiveFaults.Count > 0)
        {
            output?.WriteLine($"[restore {when}] healing {string.Join(", ", ActiveFaults)}");
            outcomes.Add(await ScriptAsync(HealTimeout, "heal"));
        }

        foreach (string region in DeepEvaluationDisabled)
        {
            output?.WriteLine($"[restore {when}] deep evaluation back on in {region}");
            outcomes.Add(await ScriptAsync(ShortTimeout, "deep-evaluation", region, "enabled"));
        }

        if (MonitorMode != "Probe")
        {
            output?.WriteLine($"[restore {when}] router monitor mode back to Probe (was {MonitorMode})");
            await SwitchMonitorModeAsync("Probe", output);
        }

        foreach (var outcome in outcomes.Where(o => !o.Succeeded))
        {
            output?.WriteLine(outcome.ToString());
        }

        await WaitHealthyAsync(HealTimeout, when);
    }

    /// <summary>How long <c>heal</c> may take: the script's own watch limit, its pulls, twice over.</summary>
    internal TimeSpan HealTimeout => Config is null
        ? TimeSpan.FromSeconds(120)
        : (Config.Bounds.Failover + Config.Bounds.RecoveryMax) * 2 + TimeSpan.FromSeconds(60);

    /// <summary>How long <c>fault</c> (watching) may take: its watch (bound + 15 s), 30 s of pulls, the other tenants.</summary>
    internal TimeSpan FaultTimeout => Config.Bounds.Failover * 3 + TimeSpan.FromSeconds(60);

    // ------------------------------------------------------------------ diagnostics

    /// <summary>The script's <c>status</c>, the active faults, and the tails of the router's, monitors' and upstream's logs.</summary>
    internal async Task<string> DiagnosticsAsync()
    {
        var text = new StringBuilder();
        try
        {
            var status = await ScriptAsync(TimeSpan.FromSeconds(60), "status");
            text.AppendLine("--- three-regions.sh status ---").AppendLine(status.ToString());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            text.AppendLine("status failed: " + ex.Message);
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"--- active faults: {string.Join(", ", ActiveFaults)}; deep evaluation disabled in: {string.Join(", ", DeepEvaluationDisabled)}");
        foreach (string log in new[] { "router/router.log", "regions/eastus/logs/monitor.log", "regions/westeurope/logs/monitor.log", "timeline/pulls.log" })
        {
            var lines = LogLines(log);
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {log} (last 40 of {lines.Length} lines) ---");
            foreach (string line in lines.TakeLast(40))
            {
                text.AppendLine(line);
            }
        }

        lock (_upstreamLock)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"--- upstream router (last 20 lines) ---");
            foreach (string line in _upstreamOutput_NeedsLock.TakeLast(20))
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }

    /// <summary>One line of the run's summary (measured failover and recovery times), printed when the suite ends.</summary>
    internal void Record(string line) => _summary.Enqueue(line);

    internal void Log(string message) => _sink.OnMessage(new DiagnosticMessage("[three-regions] " + message));

    // ------------------------------------------------------------------ set-up and tear-down

    private static string FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "samples", "three-regions", "three-regions.sh");
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "Router.sln")))
            {
                return candidate;
            }
        }

        throw new XunitException($"samples/three-regions/three-regions.sh not found above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// The router built next to the tests, copied (so a rebuild never changes a running process's files, and so the
    /// daemons, which drop to nobody, can read it wherever the repository is) with a wrapper as ROUTER_BIN.
    /// </summary>
    private void PrepareRouterBin()
    {
        string source = AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(source, "router.dll")) || !File.Exists(Path.Combine(source, "router.runtimeconfig.json")))
        {
            throw new XunitException($"router.dll not found next to the test assembly ({source}); the test project must reference src/Router.Cli.");
        }

        string dotnet = DotnetHost();
        string bin = Path.Combine(BaseDirectory, "bin");
        Directory.CreateDirectory(bin);
        var directoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
                            UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(BaseDirectory, directoryMode);
        File.SetUnixFileMode(bin, directoryMode);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(bin, Path.GetRelativePath(source, file));
            string? parent = Path.GetDirectoryName(target);
            if (parent is not null && !Directory.Exists(parent))
            {
                Directory.CreateDirectory(parent);
                File.SetUnixFileMode(parent, directoryMode);
            }

            File.Copy(file, target, overwrite: true);
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.WriteAllText(RouterBin, $"#!/bin/sh\n# router built next to the end-to-end tests (copied from {source})\nexec '{dotnet}' '{Path.Combine(bin, "router.dll")}' \"$@\"\n");
        File.SetUnixFileMode(RouterBin, directoryMode);
    }

    /// <summary>The dotnet host running the tests; the daemons run as nobody, so it must be reachable by everyone.</summary>
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
        {
            string? self = Environment.ProcessPath;
            host = self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : InstalledProgram.TryFind("dotnet");
        }

        if (host is null)
        {
            throw new XunitException("the dotnet host was not found (DOTNET_HOST_PATH, the test process, PATH)");
        }

        host = new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(host);
        for (var d = new DirectoryInfo(Path.GetDirectoryName(host)!); d is not null; d = d.Parent)
        {
            if ((File.GetUnixFileMode(d.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                throw new XunitException($"the dotnet host {host} is not reachable by nobody ({d.FullName} has no o+x); the sample's daemons run as nobody. Install the SDK under /usr/share/dotnet or /usr/lib/dotnet.");
            }
        }

        return host;
    }

    private async Task StartUpstreamAsync()
    {
        string config = Path.Combine(BaseDirectory, "upstream.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Dns": {
                "Listen": [ "{{UpstreamAddress}}:53" ],
                "Zones": [ { "Name": "outside.test", "Ttl": 60, "Records": [ { "Name": "www", "Type": "A", "Value": "{{OutsideAddress}}" } ] } ]
              },
              "Logging": { "LogLevel": { "Default": "Information" } }
            }
            """);
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["netns", "exec", Namespace, RouterBin, "serve", "--config", config])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => AddUpstreamLine(e.Data);
        process.ErrorDataReceived += (_, e) => AddUpstreamLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _upstream = process;
        await File.WriteAllTextAsync(Path.Combine(BaseDirectory, "upstream.pid"), process.Id.ToString(CultureInfo.InvariantCulture));

        var deadline = TestClock.Now + TimeSpan.FromSeconds(30);
        while (true)
        {
            var dig = await DigAsync(OutsideName, server: UpstreamAddress);
            if (dig.Status == "NOERROR" && dig.Answers("A").Any(a => a.Data == OutsideAddress))
            {
                return;
            }

            if (process.HasExited || TestClock.Now >= deadline)
            {
                throw new XunitException($"the upstream router on {UpstreamAddress}:53 did not answer {OutsideName} within 30 s: {dig}{Environment.NewLine}{await DiagnosticsAsync()}");
            }

            await Task.Delay(200);
        }
    }

    private void AddUpstreamLine(string? line)
    {
        if (line is not null)
        {
            lock (_upstreamLock)
            {
                _upstreamOutput_NeedsLock.Add(line);
            }
        }
    }

    private async Task DownAsync()
    {
        if (_down)
        {
            return;
        }

        _down = true;
        if (!_summary.IsEmpty)
        {
            Log("measured in this run:" + Environment.NewLine + string.Join(Environment.NewLine, _summary));
        }

        if (_upstream is not null)
        {
            try
            {
                if (!_upstream.HasExited)
                {
                    _upstream.Kill(entireProcessTree: true);
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _upstream.WaitForExitAsync(wait.Token);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                Log("stopping the upstream router: " + ex.Message);
            }
            finally
            {
                _upstream.Dispose();
            }
        }

        var down = await ScriptAsync(DownTimeout, "down");
        Log(down.ToString());
        if (!down.Succeeded)
        {
            throw new XunitException($"three-regions.sh down failed; namespace {Namespace} or {StateDirectory} may be left behind.{Environment.NewLine}{down}");
        }

        if (Directory.Exists(BaseDirectory) && !Directory.Exists(StateDirectory))
        {
            Directory.Delete(BaseDirectory, recursive: true);
        }
    }

    /// <summary>
    /// A run that was killed (its test host gone) leaves its namespace, daemons and mounts: take them down, by the
    /// script's own <c>down</c> (which stops only what its PID files name).
    /// </summary>
    private async Task CleanUpStaleRunsAsync()
    {
        foreach (string directory in Directory.EnumerateDirectories("/tmp", BasePrefix + "*"))
        {
            string suffix = Path.GetFileName(directory)[BasePrefix.Length..];
            if (!int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId ||
                Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
            {
                continue;
            }

            string upstreamPid = Path.Combine(directory, "upstream.pid");
            if (File.Exists(upstreamPid) && int.TryParse(File.ReadAllText(upstreamPid).Trim(), out int upstream))
            {
                string cmdline = Path.Combine("/proc", upstream.ToString(CultureInfo.InvariantCulture), "cmdline");
                if (File.Exists(cmdline) && File.ReadAllText(cmdline).Contains(directory, StringComparison.Ordinal))
                {
                    try
                    {
                        using var stale = Process.GetProcessById(upstream);
                        stale.Kill();
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                    }
                }
            }

            var down = await Command.RunAsync("bash", [Script, "down"], DownTimeout, new Dictionary<string, string?>
            {
                ["THREE_REGIONS_NETNS"] = NamespacePrefix + suffix,
                ["THREE_REGIONS_DIR"] = Path.Combine(directory, "state"),
            });
            Log($"stale run {directory} taken down: {down}");
            if (down.Succeeded && !Directory.Exists(Path.Combine(directory, "state")))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}

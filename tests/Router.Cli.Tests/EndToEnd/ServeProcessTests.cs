using System.Globalization;
using System.Net;
using Router.Cli.Tests.TestSupport;
using Router.Testing;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>The real <c>router</c> executable as a child process, asked with the real <c>dig</c>, on loopback only.</summary>
public sealed class ServeProcessTests : IDisposable
{
    // Bounds that only end a hung process: start-up of the runtime on a loaded machine took over 15 s once.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Serve_ValidConfig_AnswersDigAndExitsZeroOnSignal(string signal)
    {
        // Arrange
        var endpoint = Loopback.FreeEndpoint();
        string path = _directory.Write("router.json", TestConfigs.Valid(listen: endpoint.ToString(), www: "127.0.0.80"));
        await using var router = RouterProcess.Start(["serve", "--config", path]);

        // Act
        await Dig.WaitForAnswerAsync(endpoint, TestConfigs.WwwName, "127.0.0.80", router, StartTimeout);
        var txt = await Dig.QueryAsync(endpoint, TestConfigs.Zone, "TXT");
        await router.SendSignalAsync(signal);
        int exit = await router.WaitForExitAsync(StopTimeout);

        // Assert
        Assert.Equal(["\"router cli tests\""], txt.Lines);
        Assert.True(exit == 0, $"router exited with {exit} after SIG{signal}.{Environment.NewLine}{router.Describe()}");
        Assert.Empty(router.Stderr);
    }

    [Fact]
    public async Task Serve_SigtermWhileLoadingConfig_SaysSoOnStderrAndEndsWithTheSignal()
    {
        // Arrange: the configuration is a FIFO nobody writes, so loading blocks in open() for as long as the test wants
        // (as loading a million registries takes long); the signal comes while the kernel shows serve waiting there.
        string path = Path.Combine(_directory.Path, "router.json");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        await using var router = RouterProcess.Start(["serve", "--config", path]);
        await Poll.UntilAsync(() => router.HasExited || WaitsToOpenFifo(router.Id), StartTimeout, "serve waiting to open the FIFO");
        Assert.False(router.HasExited, $"serve ended before it loaded.{Environment.NewLine}{router.Describe()}");

        // Act
        await router.SendSigtermAsync();
        int exit = await router.WaitForExitAsync(StopTimeout);

        // Assert: not silent, and the exit status still says SIGTERM.
        Assert.True(exit == 143, $"expected exit 143 (SIGTERM).{Environment.NewLine}{router.Describe()}");
        Assert.True(router.Stderr.Any(line => line.Contains($"SIGTERM while loading {path}", StringComparison.Ordinal)),
            $"stderr does not say why serve stopped.{Environment.NewLine}{router.Describe()}");
    }

    /// <summary>Whether the main thread of <paramref name="pid"/> waits in the kernel for a FIFO's writer (<c>wchan</c>).</summary>
    private static bool WaitsToOpenFifo(int pid)
    {
        try
        {
            // The main thread: serve loads there, after its signal handlers are in place. (The runtime's ".NET DebugPipe"
            // thread waits on FIFOs of its own from start-up, so any thread would match too early.)
            return File.ReadAllText($"/proc/{pid}/task/{pid}/wchan") is "wait_for_partner" or "fifo_open";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Serve_InvalidConfig_ExitsTwoWithEveryErrorOnStderrWithoutListening()
    {
        // Arrange: the file names a port we hold. Binding it would fail with exit 1, so exit 2 shows validation came first.
        var endpoint = Loopback.FreeEndpoint();
        using var held = Loopback.Occupy(endpoint);
        string path = _directory.Write("invalid.json", TestConfigs.BadRecordValue(listen: endpoint.ToString()));
        await using var router = RouterProcess.Start(["serve", "--config", path]);

        // Act
        int exit = await router.WaitForExitAsync(StartTimeout);

        // Assert
        Assert.True(exit == 2, $"expected exit 2.{Environment.NewLine}{router.Describe()}");
        Assert.Contains(router.Stderr, line => line.Contains("nothing was started", StringComparison.Ordinal));
        Assert.Contains(router.Stderr, line => line.StartsWith("Dns:Zones:0:Records:0:Value: ", StringComparison.Ordinal) && line.Contains("300.1.2.3", StringComparison.Ordinal));
        Assert.DoesNotContain(router.Stdout, line => line.Contains("listening", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Serve_AddressInUse_ExitsOneAndSaysWhy()
    {
        // Arrange
        var endpoint = Loopback.FreeEndpoint();
        using var held = Loopback.Occupy(endpoint);
        string path = _directory.Write("router.json", TestConfigs.Valid(listen: endpoint.ToString()));
        await using var router = RouterProcess.Start(["serve", "--config", path]);

        // Act
        int exit = await router.WaitForExitAsync(StartTimeout);

        // Assert
        Assert.True(exit == 1, $"expected exit 1 (runtime failure).{Environment.NewLine}{router.Describe()}");
        Assert.Contains(router.Stderr, line => line.Contains("cannot listen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_HealthListenAddressInUse_ExitsOneAndSaysCannotListen()
    {
        // Arrange: Kestrel (the health endpoint), not the DNS listener, finds its address taken.
        var endpoint = Loopback.FreeEndpoint();
        using var held = Loopback.Occupy(endpoint);
        string path = _directory.Write("router.json", HealthOnly($"http://{endpoint}"));
        await using var router = RouterProcess.Start(["serve", "--config", path]);

        // Act
        int exit = await router.WaitForExitAsync(StartTimeout);

        // Assert
        Assert.True(exit == 1, $"expected exit 1 (runtime failure).{Environment.NewLine}{router.Describe()}");
        Assert.Contains(router.Stderr, line => line.Contains("cannot listen", StringComparison.Ordinal) && line.Contains(endpoint.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_WorkingDirectoryGone_HealthAndAdminStillServe()
    {
        // Arrange: a working directory the process cannot see once it runs (as with a daemon started as nobody from a
        // 0700 home): the web hosts must not need it. The process is created in it, held before the runtime starts,
        // and released only once the directory is gone, so the runtime never sees it (no race with a fast start-up).
        var health = Loopback.FreeEndpoint();
        var admin = Loopback.FreeEndpoint();
        string config = HealthOnly($"http://{health}").TrimEnd().TrimEnd('}') + $$""", "Admin": { "Listen": "http://{{admin}}" } }""";
        string path = _directory.Write("router.json", config);
        string workingDirectory = Directory.CreateDirectory(System.IO.Path.Combine(_directory.Path, "cwd")).FullName;
        await using var router = RouterProcess.Start(["serve", "--config", path], workingDirectory: workingDirectory, held: true);
        Directory.Delete(workingDirectory);
        string cwd = File.ResolveLinkTarget($"/proc/{router.Id}/cwd", returnFinalTarget: false)?.FullName ?? "(unreadable)";
        router.Release();

        // Act
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var live = await GetWhenUpAsync(http, new Uri($"http://{health}/health/live"), router);
        var metrics = await GetWhenUpAsync(http, new Uri($"http://{admin}/metrics"), router);
        await router.SendSigtermAsync();
        int exit = await router.WaitForExitAsync(StopTimeout);

        // Assert: the case was exercised (the process's working directory was the deleted one before the runtime
        // started), and the hosts served anyway.
        Assert.Equal(workingDirectory + " (deleted)", cwd);
        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal(HttpStatusCode.OK, metrics);
        Assert.True(exit == 0, router.Describe());
    }

    /// <summary>A health monitor alone: one registry on one TCP-checked resource.</summary>
    private static string HealthOnly(string listen) => $$"""
        { "Health": { "Region": "eastus", "Listen": "{{listen}}",
                      "Resources": [ { "Id": "api", "Kind": "Container", "Check": { "Type": "Tcp", "Endpoint": "127.0.0.1:9" } } ],
                      "Registries": [ { "Name": "contoso", "Container": "api" } ] } }
        """;

    /// <summary>GETs <paramref name="uri"/> until it answers (bounded by the start timeout); fails if the router exits first.</summary>
    private static async Task<HttpStatusCode> GetWhenUpAsync(HttpClient http, Uri uri, RouterProcess router)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            Assert.False(router.HasExited, $"the router exited before {uri} answered.{Environment.NewLine}{router.Describe()}");
            try
            {
                using var response = await http.GetAsync(uri);
                return response.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task Serve_SettingTheLoggingLibraryRejects_ExitsOneWithTheReason()
    {
        // Arrange: validate does not know every key of the logging providers; the library throws while the host is built.
        string path = _directory.Write("router.json", """
            { "Dns": { "Listen": [ "127.0.0.1:0" ] }, "Logging": { "Console": { "LogToStandardErrorThreshold": "Loud" } } }
            """);
        await using var router = RouterProcess.Start(["serve", "--config", path]);

        // Act
        int exit = await router.WaitForExitAsync(StartTimeout);

        // Assert: the contract's runtime-failure code, not the runtime's abort (134).
        Assert.True(exit == 1, $"expected exit 1.{Environment.NewLine}{router.Describe()}");
        Assert.Contains(router.Stderr, line => line.StartsWith("router: unexpected failure: ", StringComparison.Ordinal) && line.Contains("'Loud'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_EnvironmentVariableOverridesListen_ServesOnTheOverriddenAddress()
    {
        // Arrange
        var fromFile = Loopback.FreeEndpoint();
        var fromEnvironment = Loopback.FreeEndpoint();
        string path = _directory.Write("router.json", TestConfigs.Valid(listen: fromFile.ToString()));
        await using var router = RouterProcess.Start(
            ["serve", "--config", path],
            new Dictionary<string, string?> { ["Router__Dns__Listen__0"] = fromEnvironment.ToString() });

        // Act
        await Dig.WaitForAnswerAsync(fromEnvironment, TestConfigs.WwwName, "127.0.0.80", router, StartTimeout);
        var fileAddress = await Dig.QueryAsync(fromFile, TestConfigs.WwwName);

        // Assert
        Assert.False(fileAddress.Answers("127.0.0.80"), $"the file's address should not be served:{Environment.NewLine}{fileAddress.Output}");
        await router.SendSigtermAsync();
        Assert.Equal(0, await router.WaitForExitAsync(StopTimeout));
    }

    [Fact]
    public async Task Validate_EnvironmentVariableOverridesInvalidKey_ExitsZero()
    {
        // Arrange: the file's only error is its Listen address; the variable replaces it.
        string path = _directory.Write("router.json", TestConfigs.Valid(listen: "not-an-address"));
        var overrides = new Dictionary<string, string?> { ["Router__Dns__Listen__0"] = "127.0.0.1:5300" };

        // Act
        await using var without = RouterProcess.Start(["validate", "--config", path]);
        int exitWithout = await without.WaitForExitAsync(StartTimeout);
        await using var with = RouterProcess.Start(["validate", "--config", path], overrides);
        int exitWith = await with.WaitForExitAsync(StartTimeout);

        // Assert
        Assert.Equal(2, exitWithout);
        Assert.Contains(without.Stdout, line => line.StartsWith("Dns:Listen:0: ", StringComparison.Ordinal));
        Assert.True(exitWith == 0, with.Describe());
    }

    [Fact]
    public async Task Serve_NoConfig_RunsTheDemoOnPort5353AndPrintsADigLine()
    {
        // Arrange: the demo's port is fixed by the contract; when something else holds it, say so rather than skip.
        var demo = new IPEndPoint(IPAddress.Loopback, 5353);
        Assert.True(Loopback.IsFree(demo, out string? reason),
            $"127.0.0.1:5353 is busy ({reason}); the demo test needs it free (stop mDNS responders or other servers on it).");
        await using var router = RouterProcess.Start(["serve"]);

        // Act
        await router.WaitForStdoutAsync(
            line => line.Contains("dig", StringComparison.Ordinal) && line.Contains("127.0.0.1", StringComparison.Ordinal) &&
                    line.Contains("5353", StringComparison.Ordinal),
            StartTimeout,
            "a dig line for 127.0.0.1 port 5353");
        await Dig.WaitForAnswerAsync(demo, "www.demo.test", "127.0.0.80", router, StartTimeout);

        // The traffic manager profile: eastus, the nearer region for loopback clients, once its monitor says 200.
        await Dig.WaitForAnswerAsync(demo, "contoso.tm.demo.test", "127.0.0.11", router, StartTimeout);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var eastus = await http.GetAsync(new Uri("http://127.0.0.11:8081/health/registries/contoso"));
        using var westeurope = await http.GetAsync(new Uri("http://127.0.0.12:8081/health/registries/contoso"));
        using var admin = await http.GetAsync(new Uri("http://127.0.0.1:8053/api/profiles/contoso"));
        await router.SendSigtermAsync();
        int exit = await router.WaitForExitAsync(StopTimeout);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains(router.Stdout, line => line.Contains(string.Create(CultureInfo.InvariantCulture, $"dig @127.0.0.1 -p 5353 www.demo.test"), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, eastus.StatusCode);
        Assert.Equal(HttpStatusCode.OK, westeurope.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }
}

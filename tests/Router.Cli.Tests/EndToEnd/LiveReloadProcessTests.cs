using Router.Cli.Tests.TestSupport;
using Router.Testing;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// Edits to the file while the real <c>router serve</c> runs: valid ones apply (within a bound, asked in-process with
/// DnsClient rather than dig, so the bound measures the reload), invalid ones are logged and ignored.
/// </summary>
public sealed class LiveReloadProcessTests : IDisposable
{
    // Bounds that only end a hung process: start-up of the runtime on a loaded machine took over 15 s once.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Serve_FileEdited_AppliesValidEditsAndRejectsInvalidOnesWhileServing()
    {
        // Arrange
        var endpoint = Loopback.FreeEndpoint();
        string listen = endpoint.ToString();
        string path = _directory.Write("router.json", TestConfigs.Valid(listen: listen, www: "127.0.0.80"));
        await using var router = RouterProcess.Start(["serve", "--config", path]);
        await DnsProbe.WaitForAnswerAsync(endpoint, TestConfigs.WwwName, "127.0.0.80", router, StartTimeout);

        // 1. A valid edit is applied.
        File.WriteAllText(path, TestConfigs.Valid(listen: listen, www: "127.0.0.81"));
        await DnsProbe.WaitForAnswerAsync(endpoint, TestConfigs.WwwName, "127.0.0.81", router, ReloadTimeout);

        // 2. An invalid edit is rejected: the log names it and every error with its path; the answer stays.
        int mark = router.Stdout.Count;
        File.WriteAllText(path, """
            { "Dns": { "Listen": [ "LISTEN" ], "Zones": [ { "Name": "example.test", "Ttl": "abc",
              "Records": [ { "Name": "www", "Type": "A", "Value": "300.1.2.3" } ] } ] } }
            """.Replace("LISTEN", listen, StringComparison.Ordinal));
        int rejected = await router.WaitForStdoutAsync(IsRejection, ReloadTimeout, "the rejection of the bad edit", mark);
        await router.WaitForStdoutAsync(
            line => line.Contains("Dns:Zones:0:Records:0:Value: ", StringComparison.Ordinal) && line.Contains("300.1.2.3", StringComparison.Ordinal),
            ReloadTimeout, "the bad record value with its path", rejected);
        await router.WaitForStdoutAsync(
            line => line.Contains("Dns:Zones:0:Ttl: 'abc' is not a whole number", StringComparison.Ordinal),
            ReloadTimeout, "the bad zone TTL with its path", rejected);
        Assert.Equal(["127.0.0.81"], await DnsProbe.QueryAAsync(endpoint, TestConfigs.WwwName)); // the running configuration stays

        // 3. Broken JSON is rejected too; the process keeps serving.
        mark = router.Stdout.Count;
        File.WriteAllText(path, """{ "Dns": { "Listen": [ """);
        rejected = await router.WaitForStdoutAsync(IsRejection, ReloadTimeout, "the rejection of the broken JSON", mark);
        await router.WaitForStdoutAsync(line => line.Contains("not valid JSON", StringComparison.Ordinal), ReloadTimeout, "the JSON error", rejected);
        Assert.False(router.HasExited, router.Describe());
        Assert.Equal(["127.0.0.81"], await DnsProbe.QueryAAsync(endpoint, TestConfigs.WwwName)); // the running configuration stays

        // 4. A valid edit is applied again.
        File.WriteAllText(path, TestConfigs.Valid(listen: listen, www: "127.0.0.82"));
        await DnsProbe.WaitForAnswerAsync(endpoint, TestConfigs.WwwName, "127.0.0.82", router, ReloadTimeout);

        // Assert: a clean stop after all that.
        await router.SendSigtermAsync();
        Assert.Equal(0, await router.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(router.Stdout, line => line.Contains("ConfigurationWatcher[4000]", StringComparison.Ordinal));
    }

    // The console logger prints "level: Category[EventId] message"; 4001 is ConfigurationRejected.
    private static bool IsRejection(string line) =>
        line.Contains("ConfigurationWatcher[4001]", StringComparison.Ordinal) && line.Contains("error(s)", StringComparison.Ordinal);
}

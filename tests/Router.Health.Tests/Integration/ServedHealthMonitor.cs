using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Router.Testing;

namespace Router.Health.Tests.Integration;

/// <summary>
/// <c>router serve --config FILE</c> with a <c>Health</c> section, as an operator runs it, and a client for its health
/// endpoints (found from its "listening on" line). Every wait is bounded by <see cref="LiveMonitor.Deadline"/> and fails
/// with the last answer and the process's output. Disposing stops the process and removes the configuration.
/// </summary>
internal sealed partial class ServedHealthMonitor : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _directory;

    private ServedHealthMonitor(DirectoryInfo directory, string configPath, RouterProcess router, HttpClient client)
    {
        _directory = directory;
        ConfigPath = configPath;
        Router = router;
        Client = client;
    }

    /// <summary>The configuration file the process serves (and watches).</summary>
    public string ConfigPath { get; }

    public RouterProcess Router { get; }

    public HttpClient Client { get; }

    /// <summary>Writes <paramref name="config"/> to a fresh directory and starts <c>router serve</c> on it.</summary>
    public static async Task<ServedHealthMonitor> StartAsync(JsonObject config)
    {
        var directory = Directory.CreateTempSubdirectory("router-e2e-health-");
        RouterProcess? router = null;
        try
        {
            string configPath = Path.Combine(directory.FullName, "router.json");
            await WriteAtomicallyAsync(configPath, config);
            router = RouterProcess.Start(["serve", "--config", configPath], workingDirectory: directory.FullName);
            string line = await router.WaitForOutputAsync(l => ListeningLine().IsMatch(l), StartupTimeout, "where the health endpoints listen");
            var address = new Uri(ListeningLine().Match(line).Groups["address"].Value);
            var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
            return new ServedHealthMonitor(directory, configPath, router, client);
        }
        catch
        {
            if (router is not null)
            {
                await router.DisposeAsync();
            }

            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Replaces the configuration file as a careful operator (or a ConfigMap) does: written next to it, then renamed over it.</summary>
    public Task RewriteConfigAsync(JsonObject config) => WriteAtomicallyAsync(ConfigPath, config);

    /// <summary>
    /// Polls <paramref name="path"/> until it answers <paramref name="status"/> with a body for which
    /// <paramref name="condition"/> holds; returns that body.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string path, HttpStatusCode status, string what, Func<JsonElement, bool> condition)
    {
        long started = TimeProvider.System.GetTimestamp();
        string last = "(no answer yet)";
        while (true)
        {
            Assert.False(Router.HasExited, $"router exited while waiting for {what}.\n{Router.Describe()}");
            try
            {
                using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
                string raw = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {raw}";
                using var document = JsonDocument.Parse(raw);
                if (response.StatusCode == status && condition(document.RootElement))
                {
                    return document.RootElement.Clone();
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = ex.Message;
            }

            if (TimeProvider.System.GetElapsedTime(started) > LiveMonitor.Deadline)
            {
                Assert.Fail($"{path} did not answer {(int)status} ({what}) within {LiveMonitor.Deadline.TotalSeconds} s. Last: {last}\n{Router.Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Router.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    private static async Task WriteAtomicallyAsync(string path, JsonObject config)
    {
        string next = path + ".next";
        await File.WriteAllTextAsync(next, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(next, path, overwrite: true);
    }

    [GeneratedRegex(@"Health endpoints listening on (?<address>http://127\.0\.0\.1:[1-9][0-9]*)")]
    private static partial Regex ListeningLine();
}

using System.Globalization;
using System.Net;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Integration;

/// <summary>
/// The Debian <c>docker-registry</c> (CNCF distribution 2.8) on 127.0.0.1 and a free port with htpasswd (bcrypt)
/// auth, like <see cref="DockerRegistryServer"/>, plus the <c>auth-rotate</c> fault of the reference
/// (real-components.md §4): <see cref="RotatePasswordAsync"/> replaces the htpasswd file with another password for
/// the same user, which the registry picks up by mtime, so the probe's credentials get 401 while anonymous
/// <c>/v2/</c> stays 401 as always. <see cref="KillAsync"/>/<see cref="RestartAsync"/> take the process down and up.
/// Disposing kills the process it started and removes the directory.
/// </summary>
internal sealed class HtpasswdRegistry : IAsyncDisposable
{
    public const string User = "probe";
    public const string Password = "probe-pass";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _directory;
    private ExternalProcess? _process;

    private HtpasswdRegistry(DirectoryInfo directory) => _directory = directory;

    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:port/v2/</c>.</summary>
    public Uri ApiRoot => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/v2/"));

    public bool IsRunning => _process is not null;

    private string ConfigPath => Path.Combine(_directory.FullName, "config.yml");

    private string HtpasswdPath => Path.Combine(_directory.FullName, "htpasswd");

    public static async Task<HtpasswdRegistry> StartAsync()
    {
        var server = new HtpasswdRegistry(Directory.CreateTempSubdirectory("router-e2e-registry-"));
        try
        {
            string registry = ExternalProcess.Find("docker-registry", "docker-registry");
            await server.WriteHtpasswdAsync(Password);
            string storage = Directory.CreateDirectory(Path.Combine(server._directory.FullName, "storage")).FullName;
            for (int attempt = 1; ; attempt++)
            {
                server.Port = ExternalProcess.FreeTcpPort();
                await File.WriteAllTextAsync(server.ConfigPath, string.Create(CultureInfo.InvariantCulture, $"""
                    version: 0.1
                    log:
                      level: warn
                      formatter: text
                    storage:
                      filesystem:
                        rootdirectory: {storage}
                      cache:
                        blobdescriptor: inmemory
                      maintenance:
                        uploadpurging:
                          enabled: false
                    http:
                      addr: 127.0.0.1:{server.Port}
                      secret: router-e2e-not-a-secret
                    auth:
                      htpasswd:
                        realm: router-e2e
                        path: {server.HtpasswdPath}
                    """));
                if (await server.TryLaunchAsync(registry))
                {
                    return server;
                }

                // The port may have been taken between our probe and the registry's bind: try another one.
                if (attempt == 3)
                {
                    Assert.Fail($"docker-registry did not answer on {server.ApiRoot} within {StartupTimeout.TotalSeconds} s. Output:\n{server._process?.Output}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>auth-rotate: the htpasswd now holds another password for <see cref="User"/>.</summary>
    public Task RotatePasswordAsync(string newPassword) => WriteHtpasswdAsync(newPassword);

    /// <summary>Puts <see cref="Password"/> back.</summary>
    public Task RestorePasswordAsync() => WriteHtpasswdAsync(Password);

    /// <summary>SIGKILL: connections are refused until <see cref="RestartAsync"/>.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Starts the registry again on the same port and storage after <see cref="KillAsync"/>.</summary>
    public async Task RestartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("docker-registry is running.");
        }

        if (!await TryLaunchAsync(ExternalProcess.Find("docker-registry", "docker-registry")))
        {
            Assert.Fail($"docker-registry did not restart on {ApiRoot} within {StartupTimeout.TotalSeconds} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Writes a new htpasswd next to the live one and renames it into place: the registry reloads when the mtime
    /// changes and keeps the old credentials if it reads a half-written file, so the swap must be atomic.
    /// </summary>
    private async Task WriteHtpasswdAsync(string password)
    {
        // -B bcrypt (the only hash distribution accepts), -C 5 the cheapest cost, -n to stdout.
        var (_, line) = await ExternalProcess.RunAsync(ExternalProcess.Find("htpasswd", "apache2-utils"), ["-nbB", "-C", "5", User, password]);
        string next = HtpasswdPath + ".next";
        await File.WriteAllTextAsync(next, line.Trim() + "\n");
        File.Move(next, HtpasswdPath, overwrite: true);
    }

    private async Task<bool> TryLaunchAsync(string registry)
    {
        _process = ExternalProcess.Start(registry, ["serve", ConfigPath], _directory.FullName);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        bool up = await ExternalProcess.PollAsync(async () =>
        {
            if (_process.HasExited)
            {
                return true;
            }

            try
            {
                using var response = await client.GetAsync(ApiRoot);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, StartupTimeout);
        if (up && !_process.HasExited)
        {
            return true;
        }

        await _process.DisposeAsync();
        _process = null;
        return false;
    }
}

/// <summary>One <see cref="HtpasswdRegistry"/> shared by a test class; tests that break it repair it before they end.</summary>
public sealed class HtpasswdRegistryFixture : IAsyncLifetime
{
    private HtpasswdRegistry? _server;

    internal HtpasswdRegistry Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await HtpasswdRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

using System.Globalization;
using System.Net;
using Router.Testing;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// The Debian <c>docker-registry</c> (CNCF distribution 2.8) serving on 127.0.0.1 and a free port, with htpasswd
/// (bcrypt) authentication for <see cref="User"/>/<see cref="Password"/> and filesystem storage in a temporary
/// directory. <c>GET /v2/</c> answers 401 without credentials and 200 with them. <see cref="KillAsync"/> and
/// <see cref="RestartAsync"/> take the process down and up (same port, same storage). Disposing kills the process it
/// started and removes the directory.
/// </summary>
public sealed class DockerRegistryServer : IAsyncDisposable
{
    public const string User = "probe";
    public const string Password = "probe-pass";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _directory;
    private ExternalProcess? _process;

    private DockerRegistryServer(DirectoryInfo directory) => _directory = directory;

    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:port/v2/</c>, the API root every registry client probes first.</summary>
    public Uri ApiRoot => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/v2/"));

    /// <summary><c>http://127.0.0.1:port/</c>, the base URL a Registry check is configured with.</summary>
    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    /// <summary>The filesystem storage's root directory (storage-wipe: delete what is in it).</summary>
    public string StorageDirectory => Path.Combine(_directory.FullName, "storage");

    private string ConfigPath => Path.Combine(_directory.FullName, "config.yml");

    private string HtpasswdPath => Path.Combine(_directory.FullName, "htpasswd");

    /// <summary>Whether the registry process is up (not killed).</summary>
    public bool IsRunning => _process is not null;

    /// <summary>auth-rotate (real-components.md §4): the htpasswd now holds another password for <see cref="User"/>.</summary>
    public Task RotatePasswordAsync(string newPassword) => WriteHtpasswdAsync(newPassword);

    /// <summary>Puts <see cref="Password"/> back.</summary>
    public Task RestorePasswordAsync() => WriteHtpasswdAsync(Password);

    /// <summary>
    /// Writes the htpasswd next to the live one and renames it into place: the registry reloads when the mtime changes
    /// and keeps the old credentials if it reads a half-written file, so the swap must be atomic.
    /// </summary>
    private async Task WriteHtpasswdAsync(string password)
    {
        // -B bcrypt (the only hash distribution accepts), -C 5 the cheapest cost, -n to stdout.
        var (_, line) = await ExternalProcess.RunAsync(InstalledProgram.Find("htpasswd", "apache2-utils"), ["-nbB", "-C", "5", User, password]);
        string next = HtpasswdPath + ".next";
        await File.WriteAllTextAsync(next, line.Trim() + "\n");
        File.Move(next, HtpasswdPath, overwrite: true);
    }

    public static async Task<DockerRegistryServer> StartAsync()
    {
        string registry = InstalledProgram.Find("docker-registry", "docker-registry");
        var server = new DockerRegistryServer(Directory.CreateTempSubdirectory("router-registry-"));
        try
        {
            string htpasswdPath = server.HtpasswdPath;
            await server.WriteHtpasswdAsync(Password);
            string storage = Directory.CreateDirectory(server.StorageDirectory).FullName;

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
                      secret: router-test-not-a-secret
                    auth:
                      htpasswd:
                        realm: router-test
                        path: {htpasswdPath}
                    """));
                if (await server.TryLaunchAsync(registry))
                {
                    return server;
                }

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

        if (!await TryLaunchAsync(InstalledProgram.Find("docker-registry", "docker-registry")))
        {
            Assert.Fail($"docker-registry did not restart on {ApiRoot} within {StartupTimeout.TotalSeconds} s. Output:\n{_process?.Output}");
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

    private async Task<bool> TryLaunchAsync(string registry)
    {
        _process = ExternalProcess.Start(registry, ["serve", ConfigPath], _directory.FullName);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        bool up = await Poll.TryUntilAsync(async () =>
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

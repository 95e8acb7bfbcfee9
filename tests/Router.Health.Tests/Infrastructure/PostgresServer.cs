using System.Globalization;
using Router.Testing;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian postgresql): <c>initdb</c> + <c>pg_ctl</c> as user <c>postgres</c> in a
/// temporary directory, listening on 127.0.0.1 and a free port only, its Unix socket in that directory. Local
/// connections are trusted; TCP connections need <see cref="Password"/> (scram-sha-256), so tests can get a real
/// authentication failure. <see cref="StopAsync"/>/<see cref="RestartAsync"/> take it down and up again;
/// disposing stops it (and kills its postmaster by PID if <c>pg_ctl stop</c> fails) and removes the directory.
/// </summary>
/// <remarks>Needs root (to run as <c>postgres</c> with <c>runuser</c>), as the CI machine has.</remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "postgres";
    public const string Password = "router-test-pass";

    private readonly DirectoryInfo _directory;
    private readonly string _binDirectory;

    private PostgresServer(DirectoryInfo directory, string binDirectory)
    {
        _directory = directory;
        _binDirectory = binDirectory;
    }

    public int Port { get; private set; }

    public bool IsRunning { get; private set; }

    private string DataDirectory => Path.Combine(_directory.FullName, "data");

    /// <summary>A connection string for <paramref name="database"/> as <see cref="User"/> with <paramref name="password"/>.</summary>
    public string ConnectionString(string database = "postgres", string password = Password) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username={User};Password={password};Database={database}");

    /// <summary>Creates the cluster and starts it.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        string binDirectory = FindBinDirectory();
        var directory = Directory.CreateTempSubdirectory("router-pg-");
        var server = new PostgresServer(directory, binDirectory);
        try
        {
            string passwordFile = Path.Combine(directory.FullName, "pwfile");
            await File.WriteAllTextAsync(passwordFile, Password + "\n");
            await ExternalProcess.RunAsync(InstalledProgram.Find("chown", "coreutils"), ["-R", "postgres:postgres", directory.FullName]);
            await server.AsPostgresAsync("initdb",
            [
                "-D", server.DataDirectory, "-U", User, "--pwfile", passwordFile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C",
            ]);
            File.Delete(passwordFile);

            for (int attempt = 1; ; attempt++)
            {
                server.Port = ExternalProcess.FreeTcpPort();
                var (exitCode, output) = await server.PgCtlStartAsync();
                if (exitCode == 0)
                {
                    server.IsRunning = true;
                    return server;
                }

                // The port may have been taken between our probe and the postmaster's bind: try another one.
                if (attempt == 3)
                {
                    Assert.Fail($"pg_ctl start failed on port {server.Port}:\n{output}\n{server.ReadLog()}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the cluster again (same port) after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync()
    {
        var (exitCode, output) = await PgCtlStartAsync();
        if (exitCode != 0)
        {
            Assert.Fail($"pg_ctl start failed on port {Port}:\n{output}\n{ReadLog()}");
        }

        IsRunning = true;
    }

    /// <summary>Stops the cluster (fast shutdown): connections are refused until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        await AsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "20", "stop"]);
        IsRunning = false;
    }

    /// <summary>The postmaster's PID (first line of postmaster.pid), for SIGSTOP/SIGCONT faults.</summary>
    public int PostmasterPid()
    {
        string pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        return int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL as the superuser over the Unix socket with psql.</summary>
    public Task<(int ExitCode, string Output)> PsqlAsync(string sql) =>
        AsPostgresAsync("psql", ["-h", _directory.FullName, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", User, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsRunning || File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await StopOrKillAsync();
            }
        }
        finally
        {
            _directory.Delete(recursive: true);
        }
    }

    private async Task StopOrKillAsync()
    {
        int? pid = null;
        try
        {
            pid = PostmasterPid();
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException)
        {
            // No postmaster.pid: nothing is running.
        }

        // A postmaster.pid left behind by a postmaster that died names a PID the system may since have given to
        // another process (PIDs wrap at 32768 on small machines): neither we nor pg_ctl (which signals that PID too)
        // may touch it unless it is still a postgres. A stale file is removed instead.
        if (pid is not null && !IsPostgres(pid.Value))
        {
            File.Delete(Path.Combine(DataDirectory, "postmaster.pid"));
            IsRunning = false;
            return;
        }

        string kill = InstalledProgram.Find("kill", "procps");
        if (pid is not null)
        {
            // A test may have left it stopped (SIGSTOP); pg_ctl cannot stop a frozen postmaster.
            await ExternalProcess.RunAsync(kill, ["-s", "CONT", pid.Value.ToString(CultureInfo.InvariantCulture)], check: false);
        }

        var (exitCode, _) = await AsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "10", "stop"], check: false);
        if (exitCode != 0 && pid is not null && IsPostgres(pid.Value))
        {
            await ExternalProcess.RunAsync(kill, ["-s", "KILL", pid.Value.ToString(CultureInfo.InvariantCulture)], check: false);
        }

        IsRunning = false;
    }

    /// <summary>Whether process <paramref name="pid"/> exists and is a postgres (its comm, from /proc).</summary>
    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim() == "postgres";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private Task<(int ExitCode, string Output)> PgCtlStartAsync()
    {
        string options = string.Create(CultureInfo.InvariantCulture,
            $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={_directory.FullName} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=20");
        return AsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_directory.FullName, "postgres.log"), "-w", "-t", "20", "-o", options, "start"], check: false);
    }

    private Task<(int ExitCode, string Output)> AsPostgresAsync(string program, IEnumerable<string> arguments, bool check = true) =>
        ExternalProcess.RunAsync(InstalledProgram.Find("runuser", "util-linux"),
            ["-u", "postgres", "--", Path.Combine(_binDirectory, program), .. arguments], check, _directory.FullName);

    private string ReadLog()
    {
        string log = Path.Combine(_directory.FullName, "postgres.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no postgres.log)";
    }

    /// <summary>/usr/lib/postgresql/&lt;newest&gt;/bin, where Debian keeps initdb and pg_ctl.</summary>
    private static string FindBinDirectory()
    {
        const string Root = "/usr/lib/postgresql";
        var newest = Directory.Exists(Root)
            ? Directory.GetDirectories(Root)
                .Select(d => (Path: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1))
                .Where(d => File.Exists(Path.Combine(d.Path, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Path)
                .FirstOrDefault()
            : null;
        if (newest is null)
        {
            Assert.Fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install -y --no-install-recommends postgresql");
        }

        return newest!;
    }
}

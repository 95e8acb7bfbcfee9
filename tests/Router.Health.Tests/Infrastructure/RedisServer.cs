using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Router.Testing;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian redis-server) on 127.0.0.1 and a free port, without persistence, with its own
/// temporary directory. Faults: <see cref="StopAsync"/>/<see cref="RestartAsync"/> (refused), <see cref="PauseAsync"/>
/// (SIGSTOP: connects, never answers), <see cref="MakeReadOnlyAsync"/> (a replica of a dead primary: -READONLY),
/// <see cref="MakeOutOfMemoryAsync"/> (maxmemory 1, noeviction: -OOM). Disposing kills the process it started and
/// removes the directory.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _directory;
    private readonly string? _password;
    private ExternalProcess? _process;

    private RedisServer(DirectoryInfo directory, int port, string? password)
    {
        _directory = directory;
        Port = port;
        _password = password;
    }

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>, as a Redis check's <c>Endpoint</c>.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>The PID of the running server (for tests that signal it themselves).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");

    /// <summary>Starts a server, with <c>requirepass</c> when <paramref name="password"/> is set, and waits for PING.</summary>
    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        InstalledProgram.Find("redis-server", "redis-server");
        var server = new RedisServer(Directory.CreateTempSubdirectory("router-redis-"), 0, password);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                server.Port = ExternalProcess.FreeTcpPort();
                if (await server.TryLaunchAsync())
                {
                    return server;
                }

                // Another process may have taken the port between our probe and redis' bind: try another one.
                if (attempt == 3)
                {
                    Assert.Fail($"redis-server did not answer PING on {server.Endpoint} within {StartupTimeout.TotalSeconds} s. Output:\n{server._process?.Output}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/>.</summary>
    public async Task RestartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("redis-server is running.");
        }

        if (!await TryLaunchAsync())
        {
            Assert.Fail($"redis-server did not restart on {Endpoint} within {StartupTimeout.TotalSeconds} s. Output:\n{_process?.Output}");
        }
    }

    /// <summary>Kills the server: connections are refused until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>
    /// SIGSTOP: the kernel still accepts connections, the server answers nothing. Returns once the kernel reports every
    /// thread of the server stopped and a fresh PING on the port goes unanswered; fails, naming who answered, when a
    /// server still answers there (the one case in which a check could see "redis" answer after the pause on a fresh
    /// connection). A reply the server wrote before the stop can still be read afterwards: see
    /// RedisCheckTests.PauseAsync_ReplyAlreadyInTheSocket_ReadAfterTheStop.
    /// </summary>
    public async Task PauseAsync()
    {
        var process = _process ?? throw new InvalidOperationException("redis-server is not running.");
        await process.SignalAsync("STOP");
        if (!await Poll.TryUntilAsync(() => ThreadStates(process.Id).All(state => state is 'T' or 't'), StartupTimeout))
        {
            Assert.Fail($"redis-server {process.Id} did not stop within {StartupTimeout.TotalSeconds} s of SIGSTOP; thread states: {string.Join(' ', ThreadStates(process.Id))}");
        }

        if (Answers())
        {
            var (_, info) = await ExternalProcess.RunAsync(InstalledProgram.Find("redis-cli", "redis-tools"),
                ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. PasswordArguments(), "INFO", "server"], check: false);
            string answerer = info.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("process_id:", StringComparison.Ordinal)) ?? "process_id unknown";
            Assert.Fail($"{Endpoint} still answers PING after SIGSTOP of redis-server {process.Id} (stopped); the answer comes from {answerer}.");
        }
    }

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => _process!.SignalAsync("CONT");

    /// <summary>Makes the server a replica of a primary that does not exist: reads work, writes get -READONLY.</summary>
    public Task MakeReadOnlyAsync() =>
        CommandAsync("REPLICAOF", "127.0.0.1", ExternalProcess.FreeTcpPort().ToString(CultureInfo.InvariantCulture));

    /// <summary>Undoes <see cref="MakeReadOnlyAsync"/>.</summary>
    public Task MakeWritableAsync() => CommandAsync("REPLICAOF", "NO", "ONE");

    /// <summary>maxmemory 1 byte with noeviction: every write gets -OOM.</summary>
    public async Task MakeOutOfMemoryAsync()
    {
        await CommandAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await CommandAsync("CONFIG", "SET", "maxmemory", "1");
    }

    /// <summary>Runs one command with <c>redis-cli</c> (Debian redis-tools) and returns what it printed.</summary>
    public async Task<string> CommandAsync(params string[] command)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) };
        if (_password is not null)
        {
            args.AddRange(["--no-auth-warning", "-a", _password]);
        }

        args.AddRange(command);
        var (_, output) = await ExternalProcess.RunAsync(InstalledProgram.Find("redis-cli", "redis-tools"), args);
        return output.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _directory.Delete(recursive: true);
        }
    }

    private async Task<bool> TryLaunchAsync()
    {
        var args = new List<string>
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", string.Empty,
            "--appendonly", "no",
            "--dir", _directory.FullName,
            "--daemonize", "no",
            "--logfile", string.Empty,
        };
        if (_password is not null)
        {
            args.AddRange(["--requirepass", _password]);
        }

        _process = ExternalProcess.Start(InstalledProgram.Find("redis-server", "redis-server"), args, _directory.FullName);
        if (await Poll.TryUntilAsync(() => Task.FromResult(_process.HasExited || Answers()), StartupTimeout) && !_process.HasExited
            && await IsOursAsync())
        {
            return true;
        }

        await _process.DisposeAsync();
        _process = null;
        return false;
    }

    /// <summary>
    /// Whether the server answering on the port is the one we started (INFO's process_id): another test's redis may
    /// have taken the port first, and ours then exits; signalling ours would fault nothing the test is looking at.
    /// </summary>
    private async Task<bool> IsOursAsync()
    {
        var (exitCode, output) = await ExternalProcess.RunAsync(InstalledProgram.Find("redis-cli", "redis-tools"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. PasswordArguments(), "INFO", "server"],
            check: false);
        string expected = "process_id:" + _process!.Id.ToString(CultureInfo.InvariantCulture);
        return exitCode == 0 && output.Split('\n').Any(line => line.Trim() == expected);
    }

    /// <summary>The state letter of each thread of <paramref name="pid"/> (/proc/PID/task/TID/stat), none when it is gone.</summary>
    private static List<char> ThreadStates(int pid)
    {
        var states = new List<char>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
            {
                // "TID (comm) S ...": the state follows the last ')' (comm may contain one).
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                states.Add(stat[(stat.LastIndexOf(')') + 2)..][0]);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process or one of its threads ended while being read.
        }

        return states;
    }

    private string[] PasswordArguments() => _password is null ? [] : ["--no-auth-warning", "-a", _password];

    /// <summary>True when something on the port answers an inline PING (+PONG, or -NOAUTH with requirepass).</summary>
    private bool Answers()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 500, SendTimeout = 500 };
            socket.Connect(new IPEndPoint(IPAddress.Loopback, Port));
            socket.Send("PING\r\n"u8);
            byte[] buffer = new byte[64];
            int read = socket.Receive(buffer);
            string reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Sdk;

namespace Router.Testing;

/// <summary>
/// The real <c>router</c> executable (<c>dotnet router.dll</c>, copied next to the test assembly by the test project's
/// reference to src/Router.Cli) as a child process, with its stdout and stderr captured line by line. It gets no
/// <c>Router__</c> overrides and no telemetry export from the test runner's environment. Every wait takes a timeout
/// and fails with the captured output. Disposing kills the process if it still runs. The one router harness of the
/// test projects.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<string> _stdout_NeedsLock = [];
    private readonly List<string> _stderr_NeedsLock = [];
    private readonly List<string> _output_NeedsLock = [];
    private bool _held;
    private bool _stdoutClosed_NeedsLock;
    private TaskCompletionSource _changed_NeedsLock = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RouterProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> Stdout
    {
        get
        {
            lock (_lock)
            {
                return [.. _stdout_NeedsLock];
            }
        }
    }

    /// <summary>The stderr lines so far.</summary>
    public IReadOnlyList<string> Stderr
    {
        get
        {
            lock (_lock)
            {
                return [.. _stderr_NeedsLock];
            }
        }
    }

    /// <summary>The stdout and stderr lines so far, in the order they were read, one string.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return string.Join(Environment.NewLine, _output_NeedsLock);
            }
        }
    }

    /// <summary>The path of <c>router.dll</c> in the test output; fails clearly when the build did not copy it.</summary>
    public static string RouterDll
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, "router.dll");
            if (!File.Exists(path))
            {
                throw new XunitException($"router.dll not found next to the test assembly ({AppContext.BaseDirectory}); the test project must reference src/Router.Cli.");
            }

            return path;
        }
    }

    /// <summary>Starts <c>dotnet router.dll ARGS</c> with <paramref name="environment"/> added to a clean environment.</summary>
    /// <param name="arguments">The command line after <c>router</c>.</param>
    /// <param name="environment">Variables to set (a null value removes one).</param>
    /// <param name="workingDirectory">The working directory; the test output directory when null.</param>
    /// <param name="held">
    /// True: the child process exists (with its working directory and environment) but waits, in a shell reading one
    /// line of stdin, until <see cref="Release"/>, then execs the runtime in the same process. A test can so change the
    /// world between the process's creation and the runtime's start without racing it.
    /// </param>
    public static RouterProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, bool held = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);

        // Through env --default-signal (coreutils 8.31+), which then execs dotnet in the same process: a test command
        // started with SIGINT ignored (nohup, or '&' in a shell without job control) passes that on to every child,
        // and .NET, like any Unix program, leaves an inherited ignored SIGINT ignored, so the SIGINT tests would fail.
        var info = new ProcessStartInfo(held ? "sh" : "env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (held)
        {
            // sh -c SCRIPT sh env ...: "$@" is env and what follows; exec keeps the PID the test holds.
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("read -r _ && exec \"$@\"");
            info.ArgumentList.Add("sh");
            info.ArgumentList.Add("env");
        }

        info.ArgumentList.Add("--default-signal=INT,QUIT,TERM");
        info.ArgumentList.Add(DotnetHost);
        info.ArgumentList.Add(RouterDll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Overrides the test runner happens to have must not leak into the child; nor must telemetry export.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("Router__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        info.Environment["DOTNET_NOLOGO"] = "1";
        ChildEnvironment.Apply(info, environment);

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new RouterProcess(process) { _held = held };
        process.OutputDataReceived += (_, e) => result.OnLine(e.Data, isStdout: true);
        process.ErrorDataReceived += (_, e) => result.OnLine(e.Data, isStdout: false);
        if (!process.Start())
        {
            throw new XunitException($"could not start {info.FileName} {RouterDll}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Lets a process started <c>held</c> go on: the shell reads its line and execs the runtime.</summary>
    public void Release()
    {
        if (!_held)
        {
            throw new InvalidOperationException("the process was not started held");
        }

        _held = false;
        _process.StandardInput.WriteLine();
        _process.StandardInput.Flush();
    }

    /// <summary>
    /// Waits for a line of stdout or stderr that satisfies <paramref name="match"/>; returns it. Fails when the
    /// timeout passes or the process's output closes first.
    /// </summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        int index = await WaitForLineAsync(_output_NeedsLock, match, timeout, what, 0).ConfigureAwait(false);
        lock (_lock)
        {
            return _output_NeedsLock[index];
        }
    }

    /// <summary>
    /// Waits for a stdout line at index <paramref name="fromLine"/> or later that satisfies <paramref name="match"/>;
    /// returns its index. Fails when the timeout passes or stdout closes first.
    /// </summary>
    public Task<int> WaitForStdoutAsync(Func<string, bool> match, TimeSpan timeout, string what, int fromLine = 0) =>
        WaitForLineAsync(_stdout_NeedsLock, match, timeout, what, fromLine);

    /// <summary>Waits for the process to exit (and its output to drain); returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new XunitException($"router did not exit within {timeout.TotalSeconds:0.#} s.{Environment.NewLine}{Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (what <c>docker stop</c> and systemd send) through <c>kill -TERM</c>.</summary>
    public Task SendSigtermAsync() => SendSignalAsync("TERM");

    /// <summary>Sends a signal by name (<c>TERM</c>, <c>INT</c>) through <c>kill</c>.</summary>
    public async Task SendSignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        }) ?? throw new XunitException("could not start 'kill'");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await kill.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        Assert.True(kill.ExitCode == 0, $"kill -{signal} {_process.Id} exited with {kill.ExitCode}");
    }

    /// <summary>Everything captured so far, for failure messages.</summary>
    public string Describe()
    {
        lock (_lock)
        {
            string exit = _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "still running";
            return $"exit: {exit}{Environment.NewLine}--- stdout ---{Environment.NewLine}{string.Join(Environment.NewLine, _stdout_NeedsLock)}" +
                   $"{Environment.NewLine}--- stderr ---{Environment.NewLine}{string.Join(Environment.NewLine, _stderr_NeedsLock)}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or not killable: nothing more a test can do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task<int> WaitForLineAsync(List<string> lines_NeedsLock, Func<string, bool> match, TimeSpan timeout, string what, int fromLine)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                for (int i = fromLine; i < lines_NeedsLock.Count; i++)
                {
                    if (match(lines_NeedsLock[i]))
                    {
                        return i;
                    }
                }

                if (_stdoutClosed_NeedsLock)
                {
                    throw new XunitException($"router exited before printing {what}.{Environment.NewLine}{Describe()}");
                }

                changed = _changed_NeedsLock.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new XunitException($"router did not print {what} within {timeout.TotalSeconds:0.#} s.{Environment.NewLine}{Describe()}");
            }
        }
    }

    /// <summary>The dotnet host that runs the tests (and so router.dll).</summary>
    public static string DotnetHost
    {
        get
        {
            // The SDK tells child processes which host runs them; testhost itself normally runs under that host too.
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            string? self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    private void OnLine(string? line, bool isStdout)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (line is null)
            {
                if (isStdout)
                {
                    _stdoutClosed_NeedsLock = true;
                }
            }
            else
            {
                (isStdout ? _stdout_NeedsLock : _stderr_NeedsLock).Add(line);
                _output_NeedsLock.Add(line);
            }

            changed = _changed_NeedsLock;
            _changed_NeedsLock = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}

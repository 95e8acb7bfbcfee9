using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Router.Testing;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// A process a test started (a server, usually), with its output captured. Disposing kills exactly this process
/// (by its PID, never by name) and waits, within a deadline, until it is gone.
/// </summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    /// <summary>
    /// How long any single wait on a process may take: a bound that only ends a hung process, not a timing check
    /// (initdb took over 20 s once with two CPU hogs beside the tests).
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="program"/>; the caller owns (and must dispose) the result.</summary>
    public static ExternalProcess Start(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var result = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs a command to completion within <see cref="Deadline"/>; fails the test when it does not exit 0 (unless <paramref name="check"/> is false).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, bool check = true, string? workingDirectory = null)
    {
        var args = arguments.ToList();
        await using var process = Start(program, args, workingDirectory);
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            await process._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"'{program} {string.Join(' ', args)}' did not finish within {Deadline.TotalSeconds} s. Output:\n{process.Output}");
        }

        // WaitForExitAsync also waits for the end of the redirected output.
        int exitCode = process._process.ExitCode;
        if (check && exitCode != 0)
        {
            Assert.Fail($"'{program} {string.Join(' ', args)}' exited with {exitCode}. Output:\n{process.Output}");
        }

        return (exitCode, process.Output);
    }

    /// <summary>Sends a signal (<c>STOP</c>, <c>CONT</c>, <c>TERM</c>) to this process by its PID.</summary>
    /// <remarks>Refuses once the process has exited: its PID may by then belong to another process.</remarks>
    public Task SignalAsync(string signal)
    {
        if (_process.HasExited)
        {
            Assert.Fail($"cannot send SIG{signal}: the process exited (code {_process.ExitCode}). Output:\n{Output}");
        }

        return SignalAsync(Id, signal);
    }

    /// <summary>Sends a signal to the process <paramref name="pid"/> with kill(1).</summary>
    public static Task SignalAsync(int pid, string signal) =>
        RunAsync(InstalledProgram.Find("kill", "procps"), ["-s", signal, pid.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>Waits (bounded) until the process exits by itself.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Kills the process (SIGKILL, which also ends a stopped one) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        if (!await WaitForExitAsync(Deadline))
        {
            Assert.Fail($"process {Id} did not exit within {Deadline.TotalSeconds} s of SIGKILL");
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
            _process.Dispose();
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (a server started on it may still lose a race: retry).</summary>
    public static int FreeTcpPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

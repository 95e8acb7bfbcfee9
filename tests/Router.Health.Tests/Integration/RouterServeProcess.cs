using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Integration;

/// <summary>
/// The real executable: <c>dotnet router.dll serve --config FILE</c>, router.dll being copied next to the test
/// assembly by the project reference to src/Router.Cli. Output is captured; the process gets no <c>Router__</c>
/// overrides and no telemetry export from the test runner's environment. Disposing kills it if it still runs.
/// </summary>
internal sealed partial class RouterServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RouterServeProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

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

    public static RouterServeProcess Start(string configPath)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "router.dll");
        Assert.True(File.Exists(dll), $"router.dll is not next to the test assembly ({AppContext.BaseDirectory}): the project must reference src/Router.Cli.");
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(configPath);
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("Router__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        info.Environment["DOTNET_NOLOGO"] = "1";

        var process = new Process { StartInfo = info };
        var result = new RouterServeProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits for the health server's "listening on" log line; returns the address it bound (port 0 resolved).</summary>
    public async Task<Uri> WaitForHealthAddressAsync(TimeSpan timeout)
    {
        Match? match = null;
        bool found = await ExternalProcess.PollAsync(() =>
        {
            match = ListeningLine().Match(Output);
            return Task.FromResult(match.Success || _process.HasExited);
        }, timeout);
        Assert.True(found && match!.Success, $"router did not log where the health endpoints listen within {timeout.TotalSeconds} s.\n{Describe()}");
        return new Uri(match!.Groups["address"].Value);
    }

    /// <summary>Waits (bounded) for the exit; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"router did not exit within {timeout.TotalSeconds} s.\n{Describe()}");
        }

        return _process.ExitCode;
    }

    public string Describe() =>
        $"router ({(_process.HasExited ? "exit " + _process.ExitCode : "running")}) output:\n{Output}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var deadline = new CancellationTokenSource(ExternalProcess.Deadline);
                await _process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or it would not die within the deadline: nothing more a test can do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string DotnetHost
    {
        get
        {
            // The SDK tells child processes which host runs them; the test host itself normally runs under it too.
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            string? self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    [GeneratedRegex(@"Health endpoints listening on (?<address>http://127\.0\.0\.1:[1-9][0-9]*)")]
    private static partial Regex ListeningLine();

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

using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit;
using Xunit.Sdk;

namespace Router.Testing.Dns;

/// <summary>
/// Runs <c>dig</c>/<c>kdig</c> as processes with a bounded wait of their own (<c>+time=2 +tries=1</c>, or kdig's
/// <c>+timeout=2 +retry=0</c>) and a hard deadline on top: a process still running after <see cref="HardTimeout"/>
/// is killed and the test fails. A missing binary fails the test with the package to install.
/// </summary>
public static class DnsTools
{
    public static readonly TimeSpan HardTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Asks <paramref name="server"/> with <paramref name="tool"/> over UDP or TCP. Later options override earlier
    /// ones, so <paramref name="options"/> may replace the default timeout and tries.
    /// </summary>
    public static Task<DigResult> QueryAsync(DnsClientTool tool, IPEndPoint server, string name, string type, bool tcp = false, params string[] options)
    {
        ArgumentNullException.ThrowIfNull(server);
        var args = new List<string>();
        if (tool == DnsClientTool.Dig)
        {
            args.AddRange(["@" + server.Address, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "+time=2", "+tries=1"]);
        }
        else
        {
            args.AddRange(["@" + server.Address, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "+timeout=2", "+retry=0"]);
        }

        // dig sends ANY over TCP unless told +notcp (and still retries truncated answers over TCP); kdig's +notcp
        // would also stop that retry, and UDP is its default anyway.
        if (tcp)
        {
            args.Add("+tcp");
        }
        else if (tool == DnsClientTool.Dig)
        {
            args.Add("+notcp");
        }

        args.AddRange(options);
        args.AddRange(["-q", name, "-t", type]);
        return RunAsync(tool == DnsClientTool.Dig ? "dig" : "kdig", args);
    }

    /// <summary>dig over UDP (or TCP with <c>+tcp</c> among <paramref name="options"/>).</summary>
    public static Task<DigResult> DigAsync(IPEndPoint server, string name, string type, params string[] options) =>
        QueryAsync(DnsClientTool.Dig, server, name, type, tcp: false, options);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> and parses what it prints.</summary>
    public static async Task<DigResult> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        string path = FindProgram(program);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(HardTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {HardTimeout.TotalSeconds} s and was killed.");
        }

        string output = await stdout;
        string errors = await stderr;
        return DigResult.Parse($"{program} {string.Join(' ', arguments)}", output, errors, process.ExitCode);
    }

    /// <summary>The full path of <paramref name="program"/>, or a failed test saying which package provides it.</summary>
    public static string FindProgram(string program)
    {
        string package = program switch
        {
            "dig" => "bind9-dnsutils",
            "kdig" => "knot-dnsutils",
            "knotd" => "knot",
            _ => program,
        };
        return InstalledProgram.TryFind(program) ?? throw new XunitException(
            $"'{program}' was not found on PATH or in /usr/sbin; install it (apt-get install {package}). " +
            "The DNS integration tests talk to the server through real clients.");
    }
}

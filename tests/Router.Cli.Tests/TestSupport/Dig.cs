using System.Diagnostics;
using System.Globalization;
using System.Net;
using Router.Testing;
using Xunit.Sdk;

namespace Router.Cli.Tests.TestSupport;

/// <summary>What one <c>dig +short</c> run printed.</summary>
internal sealed record DigResult(int ExitCode, IReadOnlyList<string> Lines, string Output)
{
    /// <summary>Whether dig got an answer that lists <paramref name="value"/>.</summary>
    public bool Answers(string value) => ExitCode == 0 && Lines.Contains(value);
}

/// <summary>Runs the real <c>dig</c> (one try, two seconds) against a loopback server.</summary>
internal static class Dig
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The path of <c>dig</c>; fails the test clearly when it is not installed.</summary>
    public static string Executable
    {
        get
        {
            string? path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(directory => Path.Combine(directory, "dig"))
                .FirstOrDefault(File.Exists);
            return path ?? throw new XunitException("'dig' is not installed or not on PATH (Debian/Ubuntu: apt-get install bind9-dnsutils); the end-to-end tests need it.");
        }
    }

    public static async Task<DigResult> QueryAsync(IPEndPoint server, string name, string type = "A")
    {
        var info = new ProcessStartInfo(Executable)
        {
            ArgumentList =
            {
                "@" + server.Address, "-p", server.Port.ToString(CultureInfo.InvariantCulture), name, type,
                "+short", "+time=2", "+tries=1",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new XunitException("could not start dig");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new XunitException($"dig @{server} {name} did not finish within {ProcessTimeout.TotalSeconds} s");
        }

        string output = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new DigResult(process.ExitCode, lines, output);
    }

    /// <summary>
    /// Asks every 200 ms until the answer lists <paramref name="expected"/>; fails after <paramref name="timeout"/> or
    /// as soon as <paramref name="router"/> exits.
    /// </summary>
    public static async Task WaitForAnswerAsync(IPEndPoint server, string name, string expected, RouterProcess router, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        DigResult? last = null;
        while (true)
        {
            if (router.HasExited)
            {
                throw new XunitException($"router exited while waiting for {name} to answer {expected}.{Environment.NewLine}{router.Describe()}");
            }

            last = await QueryAsync(server, name).ConfigureAwait(false);
            if (last.Answers(expected))
            {
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new XunitException(
                    $"{name} did not answer {expected} on {server} within {timeout.TotalSeconds} s; last dig (exit {last.ExitCode}):{Environment.NewLine}" +
                    $"{last.Output}{Environment.NewLine}{router.Describe()}");
            }
        }
    }
}

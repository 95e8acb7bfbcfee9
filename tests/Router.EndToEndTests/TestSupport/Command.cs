using System.Diagnostics;
using System.Globalization;
using System.Text;
using Router.Testing;

namespace Router.EndToEndTests.TestSupport;

/// <summary>The suite's one clock: every observation, output line and fault time is a reading of it.</summary>
internal static class TestClock
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static TimeSpan Now => Clock.Elapsed;
}

/// <summary>One line a command printed, stamped with <see cref="TestClock"/> when the test read it.</summary>
internal sealed record OutputLine(TimeSpan At, bool IsError, string Text);

/// <summary>What a finished (or killed) command printed, and how it ended.</summary>
internal sealed class CommandResult
{
    public required string Command { get; init; }

    public required int ExitCode { get; init; }

    public required bool TimedOut { get; init; }

    public required TimeSpan Started { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required IReadOnlyList<OutputLine> Lines { get; init; }

    public bool Succeeded => !TimedOut && ExitCode == 0;

    public string Stdout => string.Join('\n', Lines.Where(l => !l.IsError).Select(l => l.Text));

    public string Stderr => string.Join('\n', Lines.Where(l => l.IsError).Select(l => l.Text));

    /// <summary>stdout and stderr in the order they were read.</summary>
    public string Output => string.Join('\n', Lines.Select(l => l.Text));

    public override string ToString()
    {
        string how = TimedOut ? "killed: timed out" : "exit " + ExitCode.ToString(CultureInfo.InvariantCulture);
        return $"$ {Command} ({how} after {Elapsed.TotalSeconds:0.0} s)\n{Output}";
    }
}

/// <summary>
/// Runs a program with a hard deadline: a command still running at its timeout is killed and reported as timed out
/// (never waited for beyond it). Output is read line by line as it comes, each line stamped with the test clock.
/// </summary>
internal static class Command
{
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null,
        Action<OutputLine>? onLine = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        ChildEnvironment.Apply(info, environment);

        string text = program + " " + string.Join(' ', info.ArgumentList.Select(Quote));
        var lines = new List<OutputLine>();
        var gate = new Lock();
        void Add(string? data, bool isError)
        {
            if (data is null)
            {
                return;
            }

            var line = new OutputLine(TestClock.Now, isError, data);
            lock (gate)
            {
                lines.Add(line);
            }

            onLine?.Invoke(line);
        }

        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Add(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => Add(e.Data, isError: true);
        var started = TestClock.Now;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new CommandResult
            {
                Command = text, ExitCode = -1, TimedOut = false, Started = started, Elapsed = TimeSpan.Zero,
                Lines = [new OutputLine(started, true, $"could not start {program}: {ex.Message}")],
            };
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool timedOut = false;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                try
                {
                    // Only the command itself: what it started on purpose (the topology's daemons) must live on.
                    process.Kill(entireProcessTree: false);
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        if (timedOut)
        {
            // A child may still hold the pipes; give the output a moment, never more.
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await process.WaitForExitAsync(drain.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        OutputLine[] captured;
        lock (gate)
        {
            captured = [.. lines];
        }

        return new CommandResult
        {
            Command = text,
            ExitCode = process.HasExited ? process.ExitCode : -1,
            TimedOut = timedOut,
            Started = started,
            Elapsed = TestClock.Now - started,
            Lines = captured,
        };
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./:=@,+%".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

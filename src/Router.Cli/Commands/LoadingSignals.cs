using System.Runtime.InteropServices;

namespace Router.Cli.Commands;

/// <summary>
/// Says on stderr that a stop signal arrived while <c>serve</c> was still loading its configuration. Loading a large
/// file (a million registries) takes long, and the host that logs and handles SIGTERM/SIGINT does not exist yet: without
/// this, a supervisor's SIGTERM or a Ctrl+C in that time ended the process with no line at all.
/// </summary>
/// <remarks>
/// The handler only writes: the signal's default action then goes on (<see cref="PosixSignalContext.Cancel"/> stays
/// false), so the process still ends at once with the signal's exit status (143 for SIGTERM, 130 for SIGINT).
/// </remarks>
internal static class LoadingSignals
{
    /// <summary>Watches SIGTERM, SIGINT and SIGQUIT until the returned registration is disposed.</summary>
    public static IDisposable Watch(string configPath, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        ArgumentNullException.ThrowIfNull(error);
        PosixSignalRegistration[] registrations =
        [
            .. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(signal =>
                PosixSignalRegistration.Create(signal, context => Notice(context, configPath, error))),
        ];
        return new Registrations(registrations);
    }

    private static void Notice(PosixSignalContext context, string configPath, TextWriter error)
    {
        try
        {
            error.WriteLine($"router: {context.Signal} while loading {configPath}; stopping before anything was started");
            error.Flush();
        }
        catch (IOException)
        {
            // stderr closed: nothing left to tell.
        }
    }

    private sealed class Registrations(PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}

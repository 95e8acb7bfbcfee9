using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Router.Testing;

/// <summary>
/// Sends a signal to a process directly (<c>kill(2)</c>), without starting <c>kill</c> or a script: where a test's
/// bound is the time between two signals, starting a process for each would put the machine's load into that time.
/// </summary>
public static class ProcessSignals
{
    /// <summary>SIGKILL on Linux.</summary>
    public const int Kill = 9;

    /// <summary>SIGTERM on Linux.</summary>
    public const int Terminate = 15;

    /// <summary>SIGSTOP on Linux.</summary>
    public const int Stop = 19;

    /// <summary>SIGCONT on Linux.</summary>
    public const int Continue = 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; throws with the OS error when it cannot.</summary>
    public static void Send(int pid, int signal)
    {
        if (SendSignal(pid, signal) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new Win32Exception(error, $"kill({pid}, {signal}) failed: {new Win32Exception(error).Message}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

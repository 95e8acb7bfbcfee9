namespace Router.Testing.Dns;

/// <summary>
/// Two DNS implementations did not read a message alike. The message says how, and ends with the message's octets in
/// hexadecimal, so the case can be replayed in a unit test.
/// </summary>
public sealed class DnsCrossCheckException : Exception
{
    public DnsCrossCheckException()
    {
    }

    public DnsCrossCheckException(string message)
        : base(message)
    {
    }

    public DnsCrossCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DnsCrossCheckException(string message, ReadOnlySpan<byte> wire, Exception? innerException = null)
        : base($"{message} Message octets ({wire.Length}): {Convert.ToHexString(wire)}", innerException)
    {
    }
}

namespace Router.Health.Checks.Resp;

/// <summary>The server sent something that is not a RESP2 reply, or one beyond our limits.</summary>
internal sealed class RespProtocolException : Exception
{
    public RespProtocolException()
    {
    }

    public RespProtocolException(string message)
        : base(message)
    {
    }

    public RespProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

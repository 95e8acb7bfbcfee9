namespace Router.Health.Checks;

/// <summary>
/// Thrown by a probe that finds it cannot run at all for a reason of the monitor's own (no DNS servers configured on
/// the host, a socket the host will not open): <see cref="CheckExecution.RunAsync"/> reports it as
/// <see cref="CheckOutcome.Inconclusive"/> with <see cref="Exception.Message"/> as the reason, word for word.
/// </summary>
internal sealed class CheckInconclusiveException : Exception
{
    public CheckInconclusiveException()
    {
    }

    public CheckInconclusiveException(string message)
        : base(message)
    {
    }

    public CheckInconclusiveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

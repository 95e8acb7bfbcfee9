namespace Router.Health.Checks;

/// <summary>What one probe found.</summary>
public enum CheckOutcome
{
    /// <summary>The dependency answered as it should.</summary>
    Success,

    /// <summary>The dependency answered wrongly, refused, or timed out.</summary>
    Failure,

    /// <summary>The monitor itself could not run the check (its own error, overload, shutdown). Never counts as a failure.</summary>
    Inconclusive,
}

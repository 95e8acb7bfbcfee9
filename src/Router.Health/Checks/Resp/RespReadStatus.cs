namespace Router.Health.Checks.Resp;

/// <summary>What one <see cref="RespReader.TryRead"/> found.</summary>
internal enum RespReadStatus
{
    /// <summary>A whole reply was read.</summary>
    Complete,

    /// <summary>The input is a valid beginning of a reply: read more and try again.</summary>
    Incomplete,

    /// <summary>The input is not RESP2, or exceeds a limit; the connection cannot be used any more.</summary>
    Invalid,
}

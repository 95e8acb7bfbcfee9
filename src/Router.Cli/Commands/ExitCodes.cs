namespace Router.Cli.Commands;

/// <summary>The exit codes of the contract.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int RuntimeFailure = 1;
    public const int InvalidInput = 2;
}

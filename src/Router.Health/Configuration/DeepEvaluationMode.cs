namespace Router.Health.Configuration;

/// <summary>Whether deep evaluation runs (the kill switch), globally or for one registry.</summary>
public enum DeepEvaluationMode
{
    Enabled,
    Disabled,
}

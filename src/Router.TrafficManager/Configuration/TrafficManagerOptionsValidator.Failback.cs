using System.Globalization;

namespace Router.TrafficManager.Configuration;

/// <summary>The rules of <c>Monitor:Failback</c>.</summary>
public static partial class TrafficManagerOptionsValidator
{
    private static void ValidateFailback(FailbackOptions? failback, string path, List<string> errors)
    {
        if (failback is null)
        {
            errors.Add($"{path}: empty section (leave it out for Automatic failback)");
            return;
        }

        if (!Enum.IsDefined(failback.Mode))
        {
            errors.Add($"{path}:Mode: must be Automatic, HoldDown or Manual");
        }

        if (!double.IsFinite(failback.HoldDownSeconds) || failback.HoldDownSeconds < 1 || failback.HoldDownSeconds > TrafficManagerDefaults.MaxHoldDownSeconds)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:HoldDownSeconds: must be 1-{TrafficManagerDefaults.MaxHoldDownSeconds}"));
        }
    }
}

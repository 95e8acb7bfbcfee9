using Microsoft.AspNetCore.Http;

namespace Router.TrafficManager.Admin;

/// <summary>The admin API's writes to one endpoint: <c>PUT …/endpoints/{e}</c> (enable/disable, maintenance) and <c>POST …/release</c>.</summary>
internal sealed partial class AdminHttpServer
{
    private async Task PutEndpointAsync(HttpContext context)
    {
        string profileName = RouteValue(context, "profile");
        string endpointName = RouteValue(context, "endpoint");
        var (change, bodyError, status) = await EndpointChangeBody.ReadAsync(context, MaxRequestBodyBytes).ConfigureAwait(false);
        if (bodyError is not null)
        {
            await AdminResponse.WriteErrorAsync(context, status, bodyError).ConfigureAwait(false);
            return;
        }

        string client = AdminGuardMiddleware.Client(context);
        var control = _control;
        var (switchStatus, error) = control is null
            ? (StatusCodes.Status404NotFound, "no traffic manager is configured (no TrafficManager section)")
            : StatusOf(change!.Maintenance is null
                ? await control.SetEndpointEnabledAsync(profileName, endpointName, change.Enabled!.Value, context.RequestAborted).ConfigureAwait(false)
                : await control.SetEndpointAsync(profileName, endpointName, change, context.RequestAborted).ConfigureAwait(false));
        if (control is null || switchStatus != StatusCodes.Status200OK)
        {
            error ??= switchStatus == StatusCodes.Status404NotFound
                ? $"profile '{profileName}' or its endpoint '{endpointName}' not found"
                : "the change could not be saved";
            if (change!.Maintenance is not null)
            {
                Log.EndpointMaintenanceSet(_logger, client, profileName, endpointName, Describe(change), $"{(switchStatus == StatusCodes.Status404NotFound ? "rejected" : "failed")}: {error}");
            }
            else if (switchStatus == StatusCodes.Status404NotFound)
            {
                Log.EndpointChangeRejected(_logger, client, profileName, endpointName, change.Enabled!.Value, error);
            }
            else
            {
                Log.EndpointChangeFailed(_logger, client, profileName, endpointName, change.Enabled!.Value, error);
            }

            await AdminResponse.WriteErrorAsync(context, switchStatus, error).ConfigureAwait(false);
            return;
        }

        if (change!.Maintenance is null)
        {
            Log.EndpointEnabledSet(_logger, client, profileName, endpointName, change.Enabled!.Value);
        }
        else
        {
            Log.EndpointMaintenanceSet(_logger, client, profileName, endpointName, Describe(change), "done");
        }

        await WriteEndpointAsync(context, control, profileName, endpointName).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases an endpoint that failback holds back: 200 with the endpoint, 404 no such profile or endpoint, 409 not
    /// held back (nothing changed).
    /// </summary>
    private async Task ReleaseEndpointAsync(HttpContext context)
    {
        string profileName = RouteValue(context, "profile");
        string endpointName = RouteValue(context, "endpoint");
        string client = AdminGuardMiddleware.Client(context);
        var control = _control;
        var (status, error) = control is null
            ? (StatusCodes.Status404NotFound, "no traffic manager is configured (no TrafficManager section)")
            : StatusOf(await control.ReleaseEndpointAsync(profileName, endpointName, context.RequestAborted).ConfigureAwait(false));
        if (control is null || status != StatusCodes.Status200OK)
        {
            error ??= "the endpoint could not be released";
            Log.EndpointReleaseRequested(_logger, client, profileName, endpointName, $"refused ({status}): {error}");
            await AdminResponse.WriteErrorAsync(context, status, error).ConfigureAwait(false);
            return;
        }

        Log.EndpointReleaseRequested(_logger, client, profileName, endpointName, "released");
        await WriteEndpointAsync(context, control, profileName, endpointName).ConfigureAwait(false);
    }

    /// <summary>The endpoint as it is now; 404 when a reload removed it in between.</summary>
    private static Task WriteEndpointAsync(HttpContext context, ITrafficManagerControl control, string profileName, string endpointName) =>
        control.GetProfile(profileName) is { } profile && FindEndpoint(profile, endpointName) is { } endpoint
            ? AdminResponse.WriteJsonAsync(context, StatusCodes.Status200OK, EndpointJson.From(endpoint), AdminJsonContext.Default.EndpointJson)
            : AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"profile '{profileName}' or its endpoint '{endpointName}' not found");

    /// <summary>
    /// A traffic manager's answer as an HTTP status with its reason: 200 done, 404 no such profile or endpoint, 409 not
    /// held back (release), 500 not saved (the state file could not be written; nothing changed), 503 the cluster store
    /// cannot be reached (nothing changed).
    /// </summary>
    private static (int Status, string? Error) StatusOf(EndpointSwitchResult result) => (result.Outcome switch
    {
        EndpointSwitchOutcome.Switched => StatusCodes.Status200OK,
        EndpointSwitchOutcome.NotFound => StatusCodes.Status404NotFound,
        EndpointSwitchOutcome.NotHeld => StatusCodes.Status409Conflict,
        EndpointSwitchOutcome.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    }, result.Error);

    private static string Describe(EndpointChange change) =>
        string.Join(" ", new[]
        {
            change.Enabled is bool enabled ? $"enabled={enabled}" : null,
            change.Maintenance is bool maintenance ? $"maintenance={maintenance}" : null,
            change.Reason is { } reason ? $"reason='{reason}'" : null,
        }.Where(part => part is not null));
}

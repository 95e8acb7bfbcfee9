using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Router.TrafficManager.Admin;

/// <summary>
/// The body of <c>PUT /api/profiles/{p}/endpoints/{e}</c>: <c>{"enabled": true|false}</c>, <c>{"maintenance": true|false,
/// "reason": "…"}</c>, or both; anything else is a 400 (413 when too large) that says what is expected.
/// </summary>
internal static class EndpointChangeBody
{
    /// <summary>The longest maintenance reason accepted, in characters.</summary>
    public const int MaxReasonLength = 256;

    private const string Expected =
        "the body must be a JSON object {\"enabled\": true} or {\"enabled\": false}, or {\"maintenance\": true, \"reason\": \"…\"} or {\"maintenance\": false}";

    public static async Task<(EndpointChange? Change, string? Error, int Status)> ReadAsync(HttpContext context, long maxBytes)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return (null, $"{Expected}: not valid JSON ({ex.Message})", StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, $"{Expected}: the body is larger than {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        using (document)
        {
            var (change, error) = Parse(document.RootElement);
            return error is null ? (change, null, 0) : (null, $"{Expected}{error}", StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>The change, or the error to append to the expected shape (starting with <c>: </c> or <c>, </c>).</summary>
    private static (EndpointChange? Change, string? Error) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, $", not a JSON {root.ValueKind.ToString().ToLowerInvariant()}");
        }

        bool? enabled = null;
        bool? maintenance = null;
        string? reason = null;
        foreach (var property in root.EnumerateObject())
        {
            string name = property.Name.ToLowerInvariant();
            if (name is "enabled" or "maintenance")
            {
                if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return (null, $": '{name}' must be true or false, not {property.Value.GetRawText()}");
                }

                if (name == "enabled")
                {
                    enabled = property.Value.GetBoolean();
                }
                else
                {
                    maintenance = property.Value.GetBoolean();
                }
            }
            else if (name == "reason")
            {
                if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    return (null, $": 'reason' must be a string, not {property.Value.GetRawText()}");
                }

                reason = property.Value.GetString();
                if (reason is { Length: > MaxReasonLength } || (reason is not null && reason.Any(char.IsControl)))
                {
                    return (null, $": 'reason' must be at most {MaxReasonLength} characters, without control characters");
                }
            }
            else
            {
                return (null, $": unknown property '{property.Name}'");
            }
        }

        if (enabled is null && maintenance is null)
        {
            return (null, ": 'enabled' is missing (and so is 'maintenance': give one or both)");
        }

        if (reason is not null && maintenance is not true)
        {
            return (null, ": 'reason' goes with \"maintenance\": true");
        }

        return (new EndpointChange(enabled, maintenance, reason), null);
    }
}

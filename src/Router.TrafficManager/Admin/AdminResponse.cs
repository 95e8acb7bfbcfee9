using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Router.TrafficManager.Admin;

/// <summary>How the admin API answers: JSON bodies, errors as <c>{"error": "…"}</c>.</summary>
internal static class AdminResponse
{
    public static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        WriteJsonAsync(context, status, new ErrorJson(message), AdminJsonContext.Default.ErrorJson);

    public static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, typeInfo, context.RequestAborted);
    }
}

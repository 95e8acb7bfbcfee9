using System.Globalization;
using System.Text.Json;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// Reads a batch document with <see cref="Utf8JsonReader"/> into a <see cref="BatchDocument"/>, without a DOM. A document
/// is accepted whole or not at all: a syntax error, a missing field, an unknown status or a registry listed twice is an
/// error, never a partial result. Unknown fields (<c>dependencies</c> among them) are skipped. Pure; thread-safe.
/// </summary>
internal static class BatchDocumentParser
{
    private const string HealthyStatus = "Healthy";
    private const string UnhealthyStatus = "Unhealthy";

    /// <summary>Parses <paramref name="utf8"/>; false with <paramref name="error"/> (<c>malformed batch document: …</c>) when it is not a valid document.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out BatchDocument? document, out string? error)
    {
        document = null;
        try
        {
            error = Parse(utf8, out document);
        }
        catch (JsonException ex)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"malformed batch document: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // A token of the wrong type (a string where a number belongs, say).
            error = $"malformed batch document: {ex.Message}";
        }

        if (error is not null)
        {
            document = null;
        }

        return error is null;
    }

    private static string? Parse(ReadOnlySpan<byte> utf8, out BatchDocument? document)
    {
        document = null;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return "malformed batch document: not a JSON object";
        }

        string? region = null;
        long? version = null;
        bool? complete = null;
        List<(string Name, bool Healthy, bool FailOpen, string? Reason)>? entries = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("region"u8))
            {
                reader.Read();
                region = reader.GetString();
            }
            else if (reader.ValueTextEquals("version"u8))
            {
                reader.Read();
                if (!reader.TryGetInt64(out long value))
                {
                    return "malformed batch document: 'version' is not a 64-bit integer";
                }

                version = value;
            }
            else if (reader.ValueTextEquals("complete"u8))
            {
                reader.Read();
                complete = reader.GetBoolean();
            }
            else if (reader.ValueTextEquals("registries"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return "malformed batch document: 'registries' is not an array";
                }

                entries = [];
                if (ReadEntries(ref reader, entries) is { } entryError)
                {
                    return entryError;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return "malformed batch document: trailing data after the object";
        }

        if (region is null || version is null || complete is null || entries is null)
        {
            string missing = region is null ? "region" : version is null ? "version" : complete is null ? "complete" : "registries";
            return $"malformed batch document: '{missing}' is missing";
        }

        // One error text per distinct reason, not per registry: a region turning 503 is 100,000 verdicts and a handful of
        // reasons (see ReadEntries).
        var verdicts = new Dictionary<string, BatchVerdict>(entries.Count, StringComparer.OrdinalIgnoreCase);
        string? lastReason = null;
        string? lastError = null;
        foreach (var (name, healthy, failOpen, reason) in entries)
        {
            string? error = null;
            if (!healthy)
            {
                if (lastError is null || !ReferenceEquals(reason, lastReason))
                {
                    (lastReason, lastError) = (reason, $"verdict Unhealthy in {region}: {reason ?? "no reason given"}");
                }

                error = lastError;
            }

            if (!verdicts.TryAdd(name, new BatchVerdict(healthy, failOpen, reason, error)))
            {
                return $"malformed batch document: registry '{name}' is listed twice";
            }
        }

        document = new BatchDocument(region, version.Value, complete.Value, verdicts);
        return null;
    }

    private static string? ReadEntries(ref Utf8JsonReader reader, List<(string, bool, bool, string?)> entries)
    {
        // The registries of one resource fail with the same reason, listed one after another: the previous entry's reason
        // is reused when the text is the same (no new string), and the status is compared without one.
        byte[] lastReasonUtf8 = [];
        string? lastReason = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return "malformed batch document: a registry entry is not an object";
            }

            string? name = null;
            bool? healthy = null;
            string? status = null;
            string? reason = null;
            bool failOpen = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.GetString();
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(HealthyStatus))
                    {
                        healthy = true;
                    }
                    else if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(UnhealthyStatus))
                    {
                        healthy = false;
                    }
                    else
                    {
                        status = reader.GetString(); // null for a JSON null (no status); a number throws (malformed)
                    }
                }
                else if (reader.ValueTextEquals("failOpen"u8))
                {
                    reader.Read();
                    failOpen = reader.GetBoolean();
                }
                else if (reader.ValueTextEquals("reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        reason = null;
                    }
                    else if (lastReason is not null && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                        && reader.ValueSpan.SequenceEqual(lastReasonUtf8))
                    {
                        reason = lastReason;
                    }
                    else
                    {
                        reason = reader.GetString();
                        if (reason is not null && !reader.ValueIsEscaped && !reader.HasValueSequence)
                        {
                            (lastReasonUtf8, lastReason) = (reader.ValueSpan.ToArray(), reason);
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (string.IsNullOrEmpty(name))
            {
                return $"malformed batch document: entry {entries.Count} has no 'name'";
            }

            if (healthy is null)
            {
                return status is null
                    ? $"malformed batch document: registry '{name}' has no 'status'"
                    : $"malformed batch document: registry '{name}' has status '{status}' (Healthy or Unhealthy expected)";
            }

            entries.Add((name, healthy.Value, failOpen, reason));
        }

        return null;
    }
}

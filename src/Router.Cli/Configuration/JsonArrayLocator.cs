using System.Text.Json;

namespace Router.Cli.Configuration;

/// <summary>Finds the JSON array at a configuration key path (<c>TrafficManager:Profiles</c>) in a JSON document, without parsing the rest.</summary>
internal static class JsonArrayLocator
{
    /// <summary>
    /// The byte range of the array at <paramref name="path"/> (object keys matched ignoring case, as configuration keys
    /// are; the first of repeated keys). False when the path does not lead to an array, or the JSON is malformed before
    /// its end (the configuration provider then reports the error as it always has).
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> json, string path, out Range range)
    {
        range = default;
        int offset = json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var reader = new Utf8JsonReader(json[offset..], JsonOptionsReader.ReaderOptions);
        string[] segments = path.Split(':');
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            for (int i = 0; i < segments.Length; i++)
            {
                if (!TryEnterProperty(ref reader, segments[i]))
                {
                    return false;
                }

                bool last = i == segments.Length - 1;
                if (last && reader.TokenType == JsonTokenType.StartArray)
                {
                    long start = reader.TokenStartIndex;
                    reader.Skip();
                    range = new Range(offset + (int)start, offset + (int)reader.BytesConsumed);
                    return true;
                }

                if (last || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads the current object's properties up to <paramref name="name"/> and onto its value; false at the object's end.</summary>
    private static bool TryEnterProperty(ref Utf8JsonReader reader, string name)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool match = string.Equals(reader.GetString(), name, StringComparison.OrdinalIgnoreCase);
            reader.Read();
            if (match)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }
}

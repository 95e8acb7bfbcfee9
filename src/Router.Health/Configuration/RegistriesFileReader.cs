using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Router.Health.Configuration;

/// <summary>
/// Reads a <c>Health:RegistriesFile</c>: JSON Lines, one registry object per line with the keys of a
/// <c>Health:Registries</c> entry (<c>{"Name":"contoso","Storage":"sa-1","Cache":"cache"}</c>); blank lines and lines
/// starting with <c>#</c> are skipped, CRLF line ends and a UTF-8 byte order mark are accepted.
/// </summary>
/// <remarks>
/// Streamed: the file is read in blocks and each line parsed with <see cref="Utf8JsonReader"/> straight into a
/// <see cref="RegistryRow"/>; resource ids are looked up by span and kept once each. No configuration key, options
/// object or resource-id string is made per registry: a million registries read in about a second. What a line means
/// (names required and unique, resources that exist and are of the right kind) is checked where the inline
/// <c>Health:Registries</c> are, by the topology.
/// </remarks>
internal static class RegistriesFileReader
{
    /// <summary>The longest line read; a longer one is an error and is skipped.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private const int BufferBytes = 1024 * 1024;

    /// <summary>
    /// Reads <paramref name="file"/>, adding every error as <c><paramref name="keyPath"/>:LINE:Key: reason</c> (at most
    /// <see cref="RegistriesFileErrors.MaxShown"/>, then a count). Null when the file could not be read or had errors.
    /// </summary>
    public static RegistryTable? Read(string file, string keyPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(errors);
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            errors.Add($"{keyPath}: file '{file}' not found");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{keyPath}: cannot read '{file}': {ex.Message}");
            return null;
        }

        var sink = new RegistriesFileErrors(errors, keyPath, Path.GetFileName(file));
        var lines = new LineParser(sink);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            using (stream)
            {
                ReadLines(stream, buffer, lines, sink);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{keyPath}: cannot read '{file}': {ex.Message}");
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        sink.Complete();
        return sink.Count == 0 ? new RegistryTable(lines.Rows, lines.ResourceIds, Path.GetFileName(file)) : null;
    }

    // The loops below run a million times once per process: compiled optimized at once, not through the tiers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadLines(Stream stream, byte[] buffer, LineParser lines, RegistriesFileErrors sink)
    {
        int filled = 0;
        int line = 0;
        bool skipping = false; // inside a line already reported as too long
        bool first = true;
        while (true)
        {
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            int start = 0;
            if (first && (filled >= 3 || read == 0))
            {
                first = false;
                if (buffer.AsSpan(0, filled).StartsWith("\uFEFF"u8))
                {
                    start = 3;
                }
            }

            int newline;
            while ((newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n')) >= 0)
            {
                line++;
                if (!skipping)
                {
                    ParseOrReport(buffer.AsSpan(start, newline), line, lines, sink);
                }

                skipping = false;
                start += newline + 1;
            }

            int rest = filled - start;
            if (read == 0)
            {
                if (rest > 0 && !skipping)
                {
                    ParseOrReport(buffer.AsSpan(start, rest), line + 1, lines, sink);
                }

                return;
            }

            if (rest > MaxLineBytes && !skipping)
            {
                // The rest of this line is not kept: only its end is looked for.
                ReportTooLong(line + 1, sink);
                skipping = true;
            }

            if (skipping)
            {
                rest = 0;
            }
            else if (start > 0)
            {
                buffer.AsSpan(start, rest).CopyTo(buffer);
            }

            filled = rest;
        }
    }

    private static void ParseOrReport(ReadOnlySpan<byte> text, int line, LineParser lines, RegistriesFileErrors sink)
    {
        if (text.Length > MaxLineBytes)
        {
            ReportTooLong(line, sink);
        }
        else
        {
            lines.Parse(text, line);
        }
    }

    private static void ReportTooLong(int line, RegistriesFileErrors sink) =>
        sink.Add(line, null, $"longer than {MaxLineBytes} bytes (one registry object per line)");

    /// <summary>Parses lines into rows; holds the rows and the resource ids seen so far.</summary>
    private sealed class LineParser(RegistriesFileErrors sink)
    {
        private const int StackChars = 256;

        private static readonly string[] Keys =
        [
            nameof(RegistryOptions.Name), nameof(RegistryOptions.Storage), nameof(RegistryOptions.Cache), nameof(RegistryOptions.Auth),
            nameof(RegistryOptions.Container), nameof(RegistryOptions.Metadata), nameof(RegistryOptions.DeepEvaluation),
        ];

        private static readonly string KnownKeys = string.Join(", ", Keys);

        private static readonly byte[][] Utf8Keys = [.. Keys.Select(System.Text.Encoding.UTF8.GetBytes)];

        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _idList = [];
        private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idLookup;
        private bool _hasIdLookup;

        public List<RegistryRow> Rows { get; } = [];

        public string[] ResourceIds => [.. _idList];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Parse(ReadOnlySpan<byte> text, int line)
        {
            text = text.Trim(" \t\r"u8);
            if (text.IsEmpty || text[0] == (byte)'#')
            {
                return;
            }

            int errorsBefore = sink.Count;
            Span<int> resources = [-1, -1, -1, -1, -1];
            string? name = null;
            DeepEvaluationMode? mode = null;
            int seen = 0; // bit per key in Keys
            try
            {
                var reader = new Utf8JsonReader(text);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    sink.Add(line, null, """expected one JSON object per line ({"Name":"contoso","Storage":"sa-1",...})""");
                    return;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    int key = KeyOf(ref reader);
                    string? unknown = key < 0 ? reader.GetString() : null;
                    reader.Read();
                    if (unknown is not null)
                    {
                        sink.Add(line, unknown, $"unknown key (known here: {KnownKeys})");
                        reader.Skip();
                        continue;
                    }

                    string keyName = Keys[key];
                    if ((seen & (1 << key)) != 0)
                    {
                        sink.Add(line, keyName, "given twice on this line");
                    }

                    seen |= 1 << key;
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        sink.Add(line, keyName, $"expected a string, found {Describe(reader.TokenType)}");
                        reader.Skip();
                        continue;
                    }

                    switch (key)
                    {
                        case 0:
                            name = reader.GetString();
                            break;
                        case 6:
                            mode = ParseMode(ref reader, line, keyName);
                            break;
                        default:
                            resources[key - 1] = Intern(ref reader);
                            break;
                    }
                }

                // The object ends the line: anything after it is an error of the reader's own (a second value).
                while (reader.Read())
                {
                }
            }
            catch (JsonException ex)
            {
                sink.Add(line, null, $"not valid JSON at position {ex.BytePositionInLine + 1}: {Reason(ex)}");
            }

            if (sink.Count == errorsBefore)
            {
                Rows.Add(new RegistryRow(name, resources[0], resources[1], resources[2], resources[3], resources[4], mode, line));
            }
        }

        private static int KeyOf(ref Utf8JsonReader reader)
        {
            // The usual spelling first, byte for byte; then any case, as configuration keys are.
            for (int i = 0; i < Utf8Keys.Length; i++)
            {
                if (reader.ValueTextEquals(Utf8Keys[i]))
                {
                    return i;
                }
            }

            // A name of more than 32 bytes is no known key (and its characters fit in 32 chars otherwise).
            Span<char> chars = stackalloc char[32];
            if (reader.ValueSpan.Length > chars.Length)
            {
                return -1;
            }

            ReadOnlySpan<char> name = chars[..reader.CopyString(chars)];
            for (int i = 0; i < Keys.Length; i++)
            {
                if (name.Equals(Keys[i], StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return -1;
        }

        private int Intern(ref Utf8JsonReader reader)
        {
            int length = reader.ValueSpan.Length; // UTF-8 bytes, escaped: at least as many as the characters
            char[]? rented = null;
            Span<char> chars = length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(length));
            try
            {
                ReadOnlySpan<char> id = chars[..reader.CopyString(chars)];
                if (!_hasIdLookup)
                {
                    _idLookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
                    _hasIdLookup = true;
                }

                if (!_idLookup.TryGetValue(id, out int index))
                {
                    index = _idList.Count;
                    string text = id.ToString();
                    _ids[text] = index;
                    _idList.Add(text);
                }

                return index;
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<char>.Shared.Return(rented);
                }
            }
        }

        private DeepEvaluationMode? ParseMode(ref Utf8JsonReader reader, int line, string keyName)
        {
            string value = reader.GetString()!;
            if (value.Length == 0)
            {
                return null;
            }

            if (Enum.TryParse<DeepEvaluationMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !char.IsAsciiDigit(value[0]))
            {
                return mode;
            }

            sink.Add(line, keyName, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<DeepEvaluationMode>())}");
            return null;
        }

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "true or false",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "a list",
            _ => token.ToString(),
        };

        /// <summary>The reader's own message without the "LineNumber: 0 | BytePositionInLine: 7." it appends.</summary>
        private static string Reason(JsonException ex)
        {
            int cut = ex.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return cut > 0 ? ex.Message[..cut] : ex.Message;
        }
    }
}

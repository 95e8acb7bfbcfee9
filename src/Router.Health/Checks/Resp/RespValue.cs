using System.Globalization;
using System.Text;

namespace Router.Health.Checks.Resp;

/// <summary>One parsed RESP2 reply. Immutable.</summary>
internal sealed class RespValue
{
    private RespValue(RespType type, string? text = null, long integer = 0, byte[]? bulk = null, IReadOnlyList<RespValue>? items = null)
    {
        Type = type;
        Text = text;
        Integer = integer;
        Bulk = bulk;
        Items = items;
    }

    public RespType Type { get; }

    /// <summary>The line of a simple string or an error (an error's first word is its code: <c>READONLY</c>, <c>OOM</c>...).</summary>
    public string? Text { get; }

    /// <summary>The value of an integer reply.</summary>
    public long Integer { get; }

    /// <summary>The bytes of a bulk string; null for the null bulk string.</summary>
    public byte[]? Bulk { get; }

    /// <summary>The elements of an array; null for the null array.</summary>
    public IReadOnlyList<RespValue>? Items { get; }

    /// <summary>The null bulk string or the null array.</summary>
    public bool IsNull => Type switch
    {
        RespType.BulkString => Bulk is null,
        RespType.Array => Items is null,
        _ => false,
    };

    public bool IsError => Type == RespType.Error;

    public static RespValue SimpleString(string text) => new(RespType.SimpleString, text: text);

    public static RespValue Error(string text) => new(RespType.Error, text: text);

    public static RespValue FromInteger(long value) => new(RespType.Integer, integer: value);

    public static RespValue BulkString(byte[]? bytes) => new(RespType.BulkString, bulk: bytes);

    public static RespValue Array(IReadOnlyList<RespValue>? items) => new(RespType.Array, items: items);

    /// <summary>Whether this is the simple string <paramref name="text"/> (<c>+OK</c>, <c>+PONG</c>).</summary>
    public bool IsSimpleString(string text) => Type == RespType.SimpleString && string.Equals(Text, text, StringComparison.Ordinal);

    /// <summary>A short, printable form for failure reasons: <c>+PONG</c>, <c>-ERR ...</c>, <c>:1</c>, <c>$5</c>, <c>*2</c>.</summary>
    public override string ToString() => Type switch
    {
        RespType.SimpleString => "+" + Text,
        RespType.Error => "-" + Text,
        RespType.Integer => ":" + Integer.ToString(CultureInfo.InvariantCulture),
        RespType.BulkString when Bulk is null => "$-1 (null)",
        RespType.BulkString => string.Create(CultureInfo.InvariantCulture, $"${Bulk.Length} '{Printable(Bulk)}'"),
        _ when Items is null => "*-1 (null)",
        _ => string.Create(CultureInfo.InvariantCulture, $"*{Items.Count}"),
    };

    private static string Printable(byte[] bytes)
    {
        const int Shown = 40;
        string text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, Shown));
        return bytes.Length > Shown ? text + "..." : text;
    }
}

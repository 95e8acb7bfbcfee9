using System.Text;
using Router.Health.Checks.Resp;
using Router.Testing;

namespace Router.Health.Tests.Checks.Resp;

public sealed class RespReaderTests
{
    public static TheoryData<string, string> ValidReplies => new()
    {
        // Simple strings, errors and integers: one CR LF-terminated line each.
        { "+OK\r\n", "+OK" },
        { "+\r\n", "+" },
        { "-ERR unknown command 'FOO'\r\n", "-ERR unknown command 'FOO'" },
        { "-READONLY You can't write against a read only replica.\r\n", "-READONLY You can't write against a read only replica." },
        { ":0\r\n", ":0" },
        { ":1000\r\n", ":1000" },
        { ":-42\r\n", ":-42" },
        { ":9223372036854775807\r\n", ":9223372036854775807" },
        { ":-9223372036854775808\r\n", ":-9223372036854775808" },

        // Bulk strings: binary-safe, so CR LF inside the data is data.
        { "$5\r\nhello\r\n", "$5 'hello'" },
        { "$0\r\n\r\n", "$0 ''" },
        { "$4\r\na\r\nb\r\n", "$4 'a\r\nb'" },
        { "$-1\r\n", "$-1 (null)" },

        // Arrays.
        { "*0\r\n", "*0" },
        { "*-1\r\n", "*-1 (null)" },
        { "*2\r\n$3\r\nfoo\r\n:7\r\n", "*2" },
        { "*2\r\n*1\r\n+a\r\n-ERR b\r\n", "*2" },
    };

    public static TheoryData<string, string> InvalidReplies => new()
    {
        // Type bytes: RESP2 has five; RESP3 types and garbage are refused.
        { "%1\r\n", "unknown reply type" },
        { "_\r\n", "unknown reply type" },
        { "HTTP/1.1 400 Bad Request\r\n", "unknown reply type" },
        { "\r\n", "unknown reply type" },

        // Line endings.
        { "+OK\n", "line feed without carriage return" },
        { "+OK\rX\n", "carriage return without line feed" },

        // Integers: digits only, with an optional minus, within 64 bits.
        { ":\r\n", "invalid integer" },
        { ":-\r\n", "invalid integer" },
        { ":+5\r\n", "invalid integer" },
        { ": 5\r\n", "invalid integer" },
        { ":12a\r\n", "invalid integer" },
        { ":9223372036854775808\r\n", "invalid integer" },
        { ":-9223372036854775809\r\n", "invalid integer" },
        { ":99999999999999999999\r\n", "invalid integer" },

        // Bulk lengths: -1 is the only negative; the data must end exactly where the length says.
        { "$\r\n", "invalid bulk string length" },
        { "$abc\r\n", "invalid bulk string length" },
        { "$-2\r\n", "negative bulk string length -2" },
        { "$-9223372036854775808\r\n", "negative bulk string length" },
        { "$2\r\nabcd\r\n", "does not end after its declared 2 bytes" },
        { "$3\r\nab\r\n\r\n", "does not end after its declared 3 bytes" },

        // Array lengths.
        { "*-2\r\n", "negative array length -2" },
        { "*x\r\n", "invalid array length" },
        { "*2\r\n:1\r\n%\r\n", "unknown reply type" },
    };

    [Theory]
    [MemberData(nameof(ValidReplies))]
    public void TryRead_ValidReply_ReadsWholeReply(string wire, string expected)
    {
        // Arrange
        byte[] input = Encoding.UTF8.GetBytes(wire);

        // Act
        var status = RespReader.TryRead(input, out var value, out int consumed, out string? error);

        // Assert
        Assert.Equal(RespReadStatus.Complete, status);
        Assert.Null(error);
        Assert.Equal(input.Length, consumed);
        Assert.Equal(expected, value!.ToString());
    }

    [Theory]
    [MemberData(nameof(ValidReplies))]
    public void TryRead_EveryProperPrefix_IsIncomplete(string wire, string expected)
    {
        _ = expected;
        byte[] input = Encoding.UTF8.GetBytes(wire);
        for (int length = 0; length < input.Length; length++)
        {
            var status = RespReader.TryRead(input.AsSpan(0, length), out var value, out int consumed, out string? error);

            Assert.True(status == RespReadStatus.Incomplete, $"prefix of {length} bytes: {status} ({error})");
            Assert.Null(value);
            Assert.Equal(0, consumed);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidReplies))]
    public void TryRead_MalformedReply_IsInvalid(string wire, string expectedError)
    {
        var status = RespReader.TryRead(Encoding.UTF8.GetBytes(wire), out var value, out int consumed, out string? error);

        Assert.Equal(RespReadStatus.Invalid, status);
        Assert.Null(value);
        Assert.Equal(0, consumed);
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_ArrayOfBulkStrings_ReturnsElements()
    {
        var status = RespReader.TryRead("*3\r\n$3\r\nSET\r\n$-1\r\n:5\r\n"u8, out var value, out _, out _);

        Assert.Equal(RespReadStatus.Complete, status);
        Assert.Equal(RespType.Array, value!.Type);
        Assert.Collection(value.Items!,
            item => Assert.Equal("SET"u8.ToArray(), item.Bulk),
            item => Assert.True(item.IsNull),
            item => Assert.Equal(5, item.Integer));
    }

    [Fact]
    public void TryRead_TwoRepliesInBuffer_ConsumesOnlyTheFirst()
    {
        var status = RespReader.TryRead("+OK\r\n:1\r\n"u8, out var value, out int consumed, out _);

        Assert.Equal(RespReadStatus.Complete, status);
        Assert.True(value!.IsSimpleString("OK"));
        Assert.Equal(5, consumed);
    }

    [Fact]
    public void TryRead_ErrorReply_IsAValueNotAFailure()
    {
        var status = RespReader.TryRead("-OOM command not allowed when used memory > 'maxmemory'.\r\n"u8, out var value, out _, out _);

        Assert.Equal(RespReadStatus.Complete, status);
        Assert.True(value!.IsError);
        Assert.Equal("OOM command not allowed when used memory > 'maxmemory'.", value.Text);
    }

    [Fact]
    public void TryRead_BulkLengthLongerThanData_WaitsForMoreInsteadOfReadingPastTheEnd()
    {
        // "$10" but only 5 bytes (and a CR LF) follow: a truthful peer is still sending; a lying one is cut off by the timeout.
        var status = RespReader.TryRead("$10\r\nhello\r\n"u8, out var value, out _, out _);

        Assert.Equal(RespReadStatus.Incomplete, status);
        Assert.Null(value);
    }

    [Theory]
    [InlineData("$1048577\r\n")]
    [InlineData("$2147483647\r\n")]
    [InlineData("$2147483648\r\n")]
    [InlineData("$9223372036854775807\r\n")]
    [InlineData("*1025\r\n")]
    [InlineData("*2147483647\r\n")]
    public void TryRead_HugeLength_RejectedFromTheHeaderWithoutAllocatingIt(string header)
    {
        // Arrange: the header alone, none of the data it announces.
        byte[] input = Encoding.ASCII.GetBytes(header);
        RespReadStatus status = default;
        RespValue? value = null;
        string? error = null;

        // Act
        var allocated = Allocations.Measure(() => status = RespReader.TryRead(input, out value, out _, out error));

        // Assert
        Assert.Equal(RespReadStatus.Invalid, status);
        Assert.Null(value);
        Assert.Contains("exceeds the limit", error, StringComparison.Ordinal);
        Assert.True(allocated.Bytes < 16 * 1024, $"allocated {allocated}");
    }

    [Fact]
    public void TryRead_BulkStringAtTheLimit_IsRead()
    {
        byte[] data = new byte[RespReader.MaxBulkLength];
        byte[] input = [.. Encoding.ASCII.GetBytes($"${RespReader.MaxBulkLength}\r\n"), .. data, .. "\r\n"u8];

        var status = RespReader.TryRead(input, out var value, out int consumed, out _);

        Assert.Equal(RespReadStatus.Complete, status);
        Assert.Equal(RespReader.MaxBulkLength, value!.Bulk!.Length);
        Assert.Equal(input.Length, consumed);
    }

    [Fact]
    public void TryRead_LineWithoutEndBeyondTheLimit_IsInvalid()
    {
        byte[] input = [(byte)'+', .. Enumerable.Repeat((byte)'a', RespReader.MaxLineLength + 1)];

        var status = RespReader.TryRead(input, out _, out _, out string? error);

        Assert.Equal(RespReadStatus.Invalid, status);
        Assert.Contains("line longer than", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_LineWithoutEndWithinTheLimit_IsIncomplete()
    {
        byte[] input = [(byte)'+', .. Enumerable.Repeat((byte)'a', RespReader.MaxLineLength)];

        var status = RespReader.TryRead(input, out _, out _, out _);

        Assert.Equal(RespReadStatus.Incomplete, status);
    }

    [Fact]
    public void TryRead_ArraysNestedToTheLimit_AreRead()
    {
        string wire = string.Concat(Enumerable.Repeat("*1\r\n", RespReader.MaxDepth)) + ":1\r\n";

        var status = RespReader.TryRead(Encoding.ASCII.GetBytes(wire), out var value, out _, out _);

        Assert.Equal(RespReadStatus.Complete, status);
        Assert.Equal(RespType.Array, value!.Type);
    }

    [Fact]
    public void TryRead_ArraysNestedBeyondTheLimit_AreInvalid()
    {
        string wire = string.Concat(Enumerable.Repeat("*1\r\n", RespReader.MaxDepth + 1)) + ":1\r\n";

        var status = RespReader.TryRead(Encoding.ASCII.GetBytes(wire), out _, out _, out string? error);

        Assert.Equal(RespReadStatus.Invalid, status);
        Assert.Contains("nested deeper", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_RandomBytes_NeverThrows()
    {
        var random = new Random(20260101);
        byte[] alphabet = "+-:$*\r\n0123456789-aZ%"u8.ToArray();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = new byte[random.Next(0, 48)];
            for (int j = 0; j < input.Length; j++)
            {
                input[j] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            var status = RespReader.TryRead(input, out var value, out int consumed, out string? error);

            Assert.True(status != RespReadStatus.Complete || (value is not null && consumed > 0 && consumed <= input.Length));
            Assert.True(status != RespReadStatus.Invalid || error is not null);
        }
    }

    [Fact]
    public void Command_SetWithExpiry_EncodesArrayOfBulkStrings()
    {
        byte[] wire = RespWriter.Command("SET", "k", "é", "PX", "30000");

        Assert.Equal("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n$2\r\nPX\r\n$5\r\n30000\r\n"u8.ToArray(), wire);
    }
}

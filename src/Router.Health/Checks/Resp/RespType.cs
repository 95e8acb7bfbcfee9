namespace Router.Health.Checks.Resp;

/// <summary>The five reply types of RESP2, by their first byte.</summary>
internal enum RespType
{
    /// <summary><c>+OK\r\n</c></summary>
    SimpleString,

    /// <summary><c>-ERR message\r\n</c></summary>
    Error,

    /// <summary><c>:42\r\n</c></summary>
    Integer,

    /// <summary><c>$5\r\nhello\r\n</c>, or the null bulk string <c>$-1\r\n</c>.</summary>
    BulkString,

    /// <summary><c>*2\r\n...</c>, or the null array <c>*-1\r\n</c>.</summary>
    Array,
}

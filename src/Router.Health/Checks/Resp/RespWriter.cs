using System.Globalization;
using System.Text;

namespace Router.Health.Checks.Resp;

/// <summary>Encodes commands as RESP2 clients send them: an array of bulk strings.</summary>
internal static class RespWriter
{
    /// <summary><c>*N\r\n</c> then <c>$len\r\narg\r\n</c> per argument (UTF-8; binary-safe, so any text may be sent).</summary>
    public static byte[] Command(params ReadOnlySpan<string> arguments)
    {
        if (arguments.IsEmpty)
        {
            throw new ArgumentException("A command has at least one argument.", nameof(arguments));
        }

        var builder = new MemoryStream();
        WriteHeader(builder, '*', arguments.Length);
        foreach (string argument in arguments)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(argument);
            WriteHeader(builder, '$', bytes.Length);
            builder.Write(bytes);
            builder.Write("\r\n"u8);
        }

        return builder.ToArray();
    }

    private static void WriteHeader(MemoryStream stream, char type, int length)
    {
        stream.WriteByte((byte)type);
        stream.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
        stream.Write("\r\n"u8);
    }
}

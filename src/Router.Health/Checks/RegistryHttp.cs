using System.Buffers;
using System.Text;

namespace Router.Health.Checks;

/// <summary>What the registry check's requests share: the user agent, bounded body reads, and safe one-line text from the other side.</summary>
internal static class RegistryHttp
{
    /// <summary>The <c>User-Agent</c> of every request the registry check sends.</summary>
    public const string UserAgent = "router-health";

    /// <summary>The most read of an error body or a token answer.</summary>
    public const int MaxSmallBodyBytes = 64 * 1024;

    private const int MaxReportedMessageLength = 200;

    /// <summary>Text from the other side, made safe for a one-line reason: control characters dropped, length capped.</summary>
    public static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxReportedMessageLength));
        foreach (char c in text)
        {
            if (builder.Length == MaxReportedMessageLength)
            {
                return builder.Append('…').ToString();
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes, whatever Content-Length says; truncated when there was more.</summary>
    public static async Task<(byte[] Body, bool Truncated)> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    buffer.Write(chunk, 0, read);
                    if (buffer.Length > limit)
                    {
                        return (buffer.ToArray()[..limit], true);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return (buffer.ToArray(), false);
        }
    }
}

using System.Buffers;

namespace Router.Health.Http;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that keeps what is written in segments of up to a mebibyte instead of one growing
/// array: a document of tens of megabytes is built without copying it on every doubling, and written to a response
/// segment by segment. A write never spans two segments.
/// </summary>
internal sealed class SegmentedBuffer : IBufferWriter<byte>
{
    /// <summary>The size of every segment after the first (unless a write asks for more).</summary>
    public const int SegmentSize = 1 << 20;

    private const int MinFirstSegment = 1024;

    private readonly List<ReadOnlyMemory<byte>> _sealed = [];
    private byte[] _current;
    private int _used;

    /// <param name="expectedLength">A guess of the total, to size the first segment (small documents stay small).</param>
    public SegmentedBuffer(long expectedLength)
    {
        _current = new byte[(int)Math.Clamp(expectedLength, MinFirstSegment, SegmentSize)];
    }

    /// <summary>The bytes written so far.</summary>
    public long Length { get; private set; }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _current.Length - _used);
        _used += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsSpan(_used);
    }

    /// <summary>Everything written, in order; the buffer is spent afterwards.</summary>
    public ReadOnlyMemory<byte>[] Complete()
    {
        Seal();
        _current = [];
        _used = 0;
        return [.. _sealed];
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_current.Length - _used >= sizeHint)
        {
            return;
        }

        Seal();
        _current = new byte[Math.Max(SegmentSize, sizeHint)];
        _used = 0;
    }

    private void Seal()
    {
        if (_used > 0)
        {
            _sealed.Add(_current.AsMemory(0, _used));
        }
    }
}

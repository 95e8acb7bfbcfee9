using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Router.Dns;

/// <summary>
/// Writes a DNS message into a caller-provided span, compressing names (RFC 1035 §4.1.4) against the names written
/// before. It never throws for lack of room: every <c>TryWrite…</c> returns <see langword="false"/> and leaves the
/// position unchanged when the value does not fit. Allocation-free.
/// </summary>
public ref struct DnsWireWriter
{
    /// <summary>How many earlier label positions are remembered as compression targets.</summary>
    public const int CompressionTableSize = 48;

    private readonly Span<byte> _buffer;
    private int _position;
    private CompressionTable _table;
    private int _tableCount;
    private readonly bool _compression;

    /// <param name="buffer">Where the message is written.</param>
    /// <param name="compression">
    /// <see langword="false"/> writes every name in full: for RDATA encoded once and copied into many messages.
    /// </param>
    public DnsWireWriter(Span<byte> buffer, bool compression = true)
    {
        _buffer = buffer;
        _position = 0;
        _tableCount = 0;
        _compression = compression;
    }

    /// <summary>The number of octets written so far.</summary>
    public readonly int Position => _position;

    /// <summary>The whole destination span.</summary>
    public readonly Span<byte> Buffer => _buffer;

    /// <summary>The octets written so far.</summary>
    public readonly Span<byte> Written => _buffer[.._position];

    /// <summary>Remembers the position and compression state, to return to with <see cref="Rewind"/>.</summary>
    public readonly DnsWireWriterMark Mark() => new(_position, _tableCount);

    /// <summary>Forgets everything written after <paramref name="mark"/>.</summary>
    public void Rewind(DnsWireWriterMark mark)
    {
        _position = mark.Position;
        _tableCount = mark.TableCount;
    }

    /// <summary>Moves the position forward over octets the caller wrote into <see cref="Buffer"/> directly.</summary>
    public bool TryAdvance(int count)
    {
        if (count < 0 || _buffer.Length - _position < count)
        {
            return false;
        }

        _position += count;
        return true;
    }

    public bool TryWriteByte(byte value)
    {
        if (_position >= _buffer.Length)
        {
            return false;
        }

        _buffer[_position++] = value;
        return true;
    }

    public bool TryWriteUInt16(ushort value)
    {
        if (_buffer.Length - _position < 2)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
        return true;
    }

    public bool TryWriteUInt32(uint value)
    {
        if (_buffer.Length - _position < 4)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
        return true;
    }

    public bool TryWriteBytes(scoped ReadOnlySpan<byte> value)
    {
        if (_buffer.Length - _position < value.Length)
        {
            return false;
        }

        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
        return true;
    }

    /// <summary>Overwrites a 16-bit value at an earlier position (counts, RDLENGTH).</summary>
    public readonly void PatchUInt16(int position, ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[position..], value);

    /// <summary>
    /// Writes an uncompressed wire-form name. With <paramref name="compress"/>, the longest suffix already present
    /// in the message is replaced by a pointer to it; either way the labels written become compression targets.
    /// </summary>
    public bool TryWriteName(scoped ReadOnlySpan<byte> wireName, bool compress = true)
    {
        int suffixStart = wireName.Length - 1;
        int pointer = -1;
        if (compress && _compression)
        {
            int labelStart = 0;
            while (wireName[labelStart] != 0)
            {
                int target = FindWritten(wireName[labelStart..]);
                if (target >= 0)
                {
                    suffixStart = labelStart;
                    pointer = target;
                    break;
                }

                labelStart += wireName[labelStart] + 1;
            }
        }

        int needed = suffixStart + (pointer >= 0 ? 2 : 1);
        if (_buffer.Length - _position < needed)
        {
            return false;
        }

        int start = _position;
        wireName[..suffixStart].CopyTo(_buffer[_position..]);
        _position += suffixStart;
        if (pointer >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)(0xC000 | pointer));
            _position += 2;
        }
        else
        {
            _buffer[_position++] = 0;
        }

        // Each label written is a suffix later names can point to.
        for (int offset = 0; _compression && offset < suffixStart && _tableCount < CompressionTableSize; offset += wireName[offset] + 1)
        {
            int absolute = start + offset;
            if (absolute > DnsLimits.MaxCompressionOffset)
            {
                break;
            }

            _table[_tableCount++] = (ushort)absolute;
        }

        return true;
    }

    /// <summary>Registers a name that the caller wrote at <paramref name="position"/> as a compression target.</summary>
    public void AddCompressionTarget(int position)
    {
        if (_tableCount < CompressionTableSize && position <= DnsLimits.MaxCompressionOffset)
        {
            _table[_tableCount++] = (ushort)position;
        }
    }

    private readonly int FindWritten(scoped ReadOnlySpan<byte> suffix)
    {
        for (int i = 0; i < _tableCount; i++)
        {
            int candidate = _table[i];
            if (MatchesAt(candidate, suffix))
            {
                return candidate;
            }
        }

        return -1;
    }

    // Compares the (possibly compressed) name at `position` of what we wrote with an uncompressed name.
    private readonly bool MatchesAt(int position, scoped ReadOnlySpan<byte> name)
    {
        int index = 0;
        int hops = 0;
        while (true)
        {
            byte length = _buffer[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (++hops > 64)
                {
                    return false;
                }

                position = ((length & 0x3F) << 8) | _buffer[position + 1];
                continue;
            }

            if (length != name[index])
            {
                return false;
            }

            if (length == 0)
            {
                return true;
            }

            for (int i = 1; i <= length; i++)
            {
                byte a = _buffer[position + i];
                byte b = name[index + i];
                if (a != b && ((a | 0x20) != (b | 0x20) || (uint)((a | 0x20) - 'a') > 'z' - 'a'))
                {
                    return false;
                }
            }

            position += length + 1;
            index += length + 1;
        }
    }

    [InlineArray(CompressionTableSize)]
    private struct CompressionTable
    {
        private ushort _element;
    }
}

/// <summary>A saved position of a <see cref="DnsWireWriter"/>.</summary>
public readonly record struct DnsWireWriterMark(int Position, int TableCount);

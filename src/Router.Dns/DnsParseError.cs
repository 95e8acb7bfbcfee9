namespace Router.Dns;

/// <summary>
/// Why a message, or a part of one, could not be read. The single error vocabulary of the codec: a listener decides
/// FORMERR versus drop from it (see <see cref="DnsParseErrorExtensions.HeaderWasReadable"/>).
/// </summary>
public enum DnsParseError : byte
{
    None = 0,
    /// <summary>The data ends before the field or record it announced (counts versus data, RDLENGTH past the end).</summary>
    Truncated,
    /// <summary>A label is longer than 63 octets (RFC 1035 §2.3.4).</summary>
    LabelTooLong,
    /// <summary>A name is longer than 255 octets in wire form (RFC 1035 §2.3.4).</summary>
    NameTooLong,
    /// <summary>A compression pointer does not point strictly backwards to the start of an earlier label (RFC 1035 §4.1.4).</summary>
    BadPointer,
    /// <summary>Compression pointers form a loop, or a pointer points at another pointer.</summary>
    PointerLoop,
    /// <summary>A label starts with the reserved bit patterns 01 or 10 (RFC 6891 §5 retired extended labels).</summary>
    ReservedLabelType,
    /// <summary>Record data does not have the shape its type requires (an A record that is not 4 octets long...).</summary>
    InvalidRecordData,
    /// <summary>An OPT record is misplaced, duplicated, not owned by the root or holds malformed options (RFC 6891 §6.1.1).</summary>
    InvalidOpt,
    /// <summary>Octets remain after the last record the header announced.</summary>
    TrailingData,
    /// <summary>The message is a query this server does not accept in this shape (no question, several questions, QR set).</summary>
    InvalidQuery,
}

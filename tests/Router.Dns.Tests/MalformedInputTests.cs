using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Router.Dns.Tests;

/// <summary>
/// Hostile input: truncated messages, pointer tricks and a million random or mutated packets. Every reader must return
/// an error value, never throw or hang; everything the message reader accepts must write back and read again the same.
/// </summary>
public sealed class MalformedInputTests(ITestOutputHelper output)
{
    /// <summary>The fuzz seed. Each partition derives its own from it, so a failure names a reproducible case.</summary>
    private const int FuzzSeed = 1035;
    private const int FuzzPartitions = 8;
    private const int FuzzCasesPerPartition = 125_000;

    private static readonly byte[][] Corpus =
    [
        DnsWireFixtures.QueryWithEcs,
        DnsWireFixtures.PlainQuery,
        DnsWireFixtures.ResponseWithAllTypes,
        DnsWireFixtures.QueryWithOption(10, [1, 2, 3, 4, 5, 6, 7, 8]),
        NxDomainResponse(),
    ];

    public static TheoryData<string, byte[]> ValidMessages => new()
    {
        { "query with OPT and ECS", DnsWireFixtures.QueryWithEcs },
        { "plain query", DnsWireFixtures.PlainQuery },
        { "response with every record type", DnsWireFixtures.ResponseWithAllTypes },
        { "NXDOMAIN response with SOA and extended RCODE", NxDomainResponse() },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void TryRead_EveryProperPrefix_TruncatedWithoutThrowing(string description, byte[] message)
    {
        Assert.Equal(DnsParseError.None, DnsMessage.TryRead(message, out _));
        for (int length = 0; length < message.Length; length++)
        {
            // Act
            var error = DnsMessage.TryRead(message.AsSpan(0, length), out var read);

            // Assert
            Assert.True(error == DnsParseError.Truncated, $"{description}: prefix of {length} octets gave {error}");
            Assert.Null(read);
        }
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void TryParse_EveryProperPrefix_FailsWithoutThrowing(string description, byte[] message)
    {
        var nameBuffer = new byte[DnsLimits.MaxNameLength];
        for (int length = 0; length < message.Length; length++)
        {
            // Act
            var error = DnsQueryParser.TryParse(message.AsSpan(0, length), nameBuffer, out var query);

            // Assert: a query prefix is truncated; a response prefix is refused as not a query once its header is there.
            var expected = length >= DnsLimits.HeaderLength && (message[2] & 0x80) != 0 ? DnsParseError.InvalidQuery : DnsParseError.Truncated;
            Assert.True(error == expected, $"{description}: prefix of {length} octets gave {error}");
            Assert.Equal(length >= DnsLimits.HeaderLength, query.Header != default);
        }
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void TryReadName_EveryOffsetOfValidMessage_NeverThrows(string description, byte[] message)
    {
        var destination = new byte[DnsLimits.MaxNameLength];
        for (int start = -1; start <= message.Length; start++)
        {
            // Act
            int offset = start;
            var error = DnsWire.TryReadName(message, ref offset, destination, out int nameLength);

            // Assert: wherever a name is found it is a valid name, and the offset moved forward.
            if (error == DnsParseError.None)
            {
                Assert.True(DnsName.TryFromWire(destination.AsSpan(0, nameLength), out _), $"{description} at {start}");
                Assert.True(offset > start, $"{description} at {start}");
            }
        }
    }

    // A query header (ID 0x1234, RD) with QDCOUNT 1 and the given other counts.
    private static byte[] Header(int answers, int authorities, int additionals) =>
    [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, (byte)(answers >> 8), (byte)answers, 0x00, (byte)authorities, (byte)(additionals >> 8), (byte)additionals,
    ];

    public static TheoryData<string, byte[], DnsParseError> HostilePackets => new()
    {
        // Pointer tricks in the question (RFC 1035 §4.1.4).
        { "question is a pointer to itself", [.. Header(0, 0, 0), 0xC0, 0x0C, 0, 1, 0, 1], DnsParseError.BadPointer },
        { "question is a forward pointer", [.. Header(0, 0, 0), 0xC0, 0x10, 0, 1, 0, 1, 0], DnsParseError.BadPointer },
        { "question label then pointer to its own start", [.. Header(0, 0, 0), 1, (byte)'a', 0xC0, 0x0C, 0, 1, 0, 1], DnsParseError.PointerLoop },
        { "question with reserved label type 0x40", [.. Header(0, 0, 0), 0x40, 0, 0, 1, 0, 1], DnsParseError.ReservedLabelType },
        { "question with reserved label type 0x80", [.. Header(0, 0, 0), 0x80, 0, 0, 1, 0, 1], DnsParseError.ReservedLabelType },

        // An answer owner pointing at another pointer: question root at 12, owner pointer at 17 -> 12 is fine, a
        // second record's owner pointing at 17 (a pointer) is a loop by rule.
        {
            "answer owner is a pointer to a pointer",
            [
                .. Header(2, 0, 0), 0, 0, 1, 0, 1,
                0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
                0xC0, 0x11, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2,
            ],
            DnsParseError.PointerLoop
        },

        // Counts of 65,535 with almost no data: the readers must stop at the first missing record, not loop on.
        { "ANCOUNT 65535 and no records", [.. Header(0xFFFF, 0, 0), 0, 0, 1, 0, 1], DnsParseError.Truncated },
        { "ARCOUNT 65535 and no records", [.. Header(0, 0, 0xFFFF), 0, 0, 1, 0, 1], DnsParseError.Truncated },
        { "QDCOUNT 65535", [0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1], DnsParseError.Truncated },

        // A name that only fits 255 octets by way of pointers stacked on pointers (each legal, the total not).
        {
            "name over 255 octets built from a chain of suffixes",
            [
                .. Header(0, 0, 0),
                .. Enumerable.Range(0, 130).SelectMany(_ => new byte[] { 1, (byte)'x' }), 0, 0, 1, 0, 1,
            ],
            DnsParseError.NameTooLong
        },
    };

    [Theory]
    [MemberData(nameof(HostilePackets))]
    public void Readers_HostilePacket_ReturnErrorWithoutThrowing(string description, byte[] packet, DnsParseError expected)
    {
        // Act
        var messageError = DnsMessage.TryRead(packet, out var message);
        var queryError = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.True(expected == messageError, $"{description}: expected {expected}, got {messageError}");
        Assert.Null(message);
        Assert.NotEqual(DnsParseError.None, queryError);
    }

    [Fact]
    public void Readers_MillionRandomAndMutatedPackets_NeverThrowAndAcceptedOnesRoundTrip()
    {
        // Arrange
        var failures = new ConcurrentQueue<string>();
        var counters = new FuzzCounters[FuzzPartitions];
        long started = TimeProvider.System.GetTimestamp();

        // Act
        Parallel.For(0, FuzzPartitions, partition => counters[partition] = RunPartition(partition, failures));

        // Assert
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        var total = counters.Aggregate(default(FuzzCounters), (sum, c) => sum.Add(c));
        output.WriteLine(
            $"{total.Cases:N0} packets (seed {FuzzSeed}, {FuzzPartitions} partitions) in {elapsed.TotalSeconds:F1} s: " +
            $"{total.MessagesAccepted:N0} read and round-tripped by DnsMessage, {total.QueriesAccepted:N0} accepted by " +
            $"DnsQueryParser, {total.NamesRead:N0} names read by DnsWire.TryReadName.");
        Assert.Equal(FuzzPartitions * FuzzCasesPerPartition, total.Cases);
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(10)));
        Assert.True(total.MessagesAccepted > total.Cases / 20, "the generator should produce many acceptable messages");
    }

    [Fact]
    public void TextParsers_RandomPresentationText_NeverThrowAndParsedValuesRoundTrip()
    {
        // Arrange: zone-file text from a hostile alphabet: escapes, quotes, dots, digits, separators and non-ASCII.
        const string Alphabet = "aZ09.\\\"@#$();: \t%/-_x\u00e9\u4f8b\ud83d\ude00\ud83d";
        DnsRecordType[] types =
        [
            DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME, DnsRecordType.NS, DnsRecordType.PTR, DnsRecordType.MX,
            DnsRecordType.SRV, DnsRecordType.SOA, DnsRecordType.TXT, (DnsRecordType)99,
        ];
        var random = new Random(FuzzSeed);
        var origin = DnsName.Parse("example.test.");
        int parsed = 0;

        for (int i = 0; i < 200_000; i++)
        {
            string text = RandomText(random, Alphabet);
            var type = types[random.Next(types.Length)];

            // Act
            bool nameParsed = DnsName.TryParse(text, origin, out var name, out string? nameError);
            bool dataParsed = DnsRecordData.TryParse(type, text, origin, out var data, out string? dataError);
            NetworkPrefix.TryParse(text, out _, out _);

            // Assert: failures explain themselves; successes print as text that parses back to the same value.
            Assert.True(nameParsed || !string.IsNullOrEmpty(nameError), text);
            Assert.True(dataParsed || !string.IsNullOrEmpty(dataError), text);
            if (nameParsed)
            {
                parsed++;
                var again = DnsName.Parse(name!.ToString());
                Assert.True(again.Wire.SequenceEqual(name.Wire), $"'{text}' printed as '{name}'");
            }

            if (dataParsed)
            {
                parsed++;
                Assert.True(DnsRecordData.TryParse(type, data!.ToString(), origin, out var reparsed, out string? error), $"{type} '{text}' printed as '{data}': {error}");
                Assert.True(DnsMessageEquivalence.DataEquivalent(data, reparsed), $"{type} '{text}' printed as '{data}'");
            }
        }

        output.WriteLine($"200,000 texts, {parsed:N0} parsed values round-tripped.");
    }

    private static FuzzCounters RunPartition(int partition, ConcurrentQueue<string> failures)
    {
        var random = new Random(FuzzSeed * 31 + partition);
        var nameBuffer = new byte[DnsLimits.MaxNameLength];
        var first = new byte[DnsLimits.MaxMessageLength];
        var second = new byte[DnsLimits.MaxMessageLength];
        var counters = default(FuzzCounters);

        for (int i = 0; i < FuzzCasesPerPartition; i++)
        {
            byte[] packet = NextPacket(random);
            int nameOffset = random.Next(-2, packet.Length + 3);
            string? failure;
            try
            {
                failure = Check(packet, nameOffset, nameBuffer, first, second, ref counters);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                failure = $"{exception.GetType().Name}: {exception.Message}";
            }

            counters.Cases++;
            if (failure is not null)
            {
                failures.Enqueue($"partition {partition} case {i} (name offset {nameOffset}): {failure}; packet {Convert.ToHexString(packet)}");
            }
        }

        return counters;
    }

    // Feeds one packet to every reader. Returns a description of the first broken property, or null.
    private static string? Check(byte[] packet, int nameOffset, byte[] nameBuffer, byte[] first, byte[] second, ref FuzzCounters counters)
    {
        // DnsWire.TryReadName at an arbitrary offset: an error, or a valid name with the offset moved forward.
        int offset = nameOffset;
        if (DnsWire.TryReadName(packet, ref offset, nameBuffer, out int nameLength) == DnsParseError.None)
        {
            counters.NamesRead++;
            if (!DnsName.TryFromWire(nameBuffer.AsSpan(0, nameLength), out _) || offset <= nameOffset || offset > packet.Length)
            {
                return $"TryReadName at {nameOffset} gave an invalid name or offset {offset}";
            }
        }

        // DnsQueryParser: on success the name is lowercased and the question lies inside the packet.
        var queryError = DnsQueryParser.TryParse(packet, nameBuffer, out var query);
        if (queryError == DnsParseError.None)
        {
            counters.QueriesAccepted++;
            if (query.NameLength is < 1 or > DnsLimits.MaxNameLength || query.QuestionEnd > packet.Length ||
                nameBuffer.AsSpan(0, query.NameLength).IndexOfAnyInRange((byte)'A', (byte)'Z') >= 0)
            {
                return "DnsQueryParser accepted a query with an invalid name or question end";
            }
        }

        // DnsMessage: anything accepted writes back, reads back equivalent, and writing again is a fixed point.
        var error = DnsMessage.TryRead(packet, out var message);
        if (error != DnsParseError.None)
        {
            return message is null ? null : "TryRead failed but returned a message";
        }

        counters.MessagesAccepted++;
        if (!message!.TryWrite(first, out int firstLength))
        {
            return "an accepted message did not write into 65,535 octets";
        }

        var rereadError = DnsMessage.TryRead(first.AsSpan(0, firstLength), out var reread);
        if (rereadError != DnsParseError.None)
        {
            return $"the written message does not read back: {rereadError}";
        }

        string? difference = DnsMessageEquivalence.FindDifference(message, reread!);
        if (difference is not null)
        {
            return $"the written message reads back different: {difference}";
        }

        if (!reread!.TryWrite(second, out int secondLength) || !first.AsSpan(0, firstLength).SequenceEqual(second.AsSpan(0, secondLength)))
        {
            return "writing the re-read message gave different octets";
        }

        // Where both readers accept the packet they must agree on the question and on EDNS.
        if (queryError == DnsParseError.None)
        {
            var question = message.Questions[0];
            var edns = message.Edns;
            if (!DnsWire.NamesEqual(question.Name.Wire, nameBuffer.AsSpan(0, query.NameLength)) || question.Type != query.Type ||
                question.Class != query.Class || query.HasEdns != edns is not null ||
                (edns is not null && (edns.UdpPayloadSize != query.UdpPayloadSize || edns.Version != query.EdnsVersion ||
                    edns.DnssecOk != query.DnssecOk || edns.ClientSubnet != (query.HasClientSubnet ? query.ClientSubnet : null))))
            {
                return "DnsQueryParser and DnsMessage disagree";
            }
        }

        return null;
    }

    private static byte[] NextPacket(Random random) => random.Next(10) switch
    {
        0 => RandomBytes(random, random.Next(0, 601)),
        1 or 2 => RandomStructured(random),
        3 => RandomPointers(random),
        _ => Mutate(random, Corpus[random.Next(Corpus.Length)]),
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    // Octets that sit on the edges of the format: root, longest label, reserved types, pointers, OPT, ECS.
    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x04, 0x08, 0x0C, 0x10, 0x29, 0x3F, 0x40, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xFF];

    private static byte NextOctet(Random random) =>
        random.Next(3) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);

    // Bit flips, replacements, truncations, insertions (random octets or slices of valid messages), deletions,
    // random pointers, count changes and splices.
    private static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            int position = random.Next(bytes.Count + 1);
            switch (random.Next(10))
            {
                case 0 when bytes.Count > 0:
                    position = random.Next(bytes.Count);
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[random.Next(bytes.Count)] = NextOctet(random);
                    break;
                case 2:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case 3:
                    bytes.InsertRange(position, RandomBytes(random, random.Next(1, 9)));
                    break;
                case 4:
                    byte[] other = Corpus[random.Next(Corpus.Length)];
                    int start = random.Next(other.Length);
                    bytes.InsertRange(position, other[start..random.Next(start, other.Length + 1)]);
                    break;
                case 5:
                    bytes.RemoveRange(position, random.Next(Math.Min(16, bytes.Count - position) + 1));
                    break;
                case 6 when bytes.Count > 1:
                    position = random.Next(bytes.Count - 1);
                    int target = random.Next(bytes.Count + 16);
                    bytes[position] = (byte)(0xC0 | (target >> 8));
                    bytes[position + 1] = (byte)target;
                    break;
                case 7 when bytes.Count >= DnsLimits.HeaderLength:
                    int count = 4 + (2 * random.Next(4));
                    int value = random.Next(8) == 0 ? 0xFFFF : random.Next(5);
                    bytes[count] = (byte)(value >> 8);
                    bytes[count + 1] = (byte)value;
                    break;
                case 8:
                    byte[] tail = Corpus[random.Next(Corpus.Length)];
                    bytes.RemoveRange(position, bytes.Count - position);
                    bytes.AddRange(tail[random.Next(tail.Length + 1)..]);
                    break;
                default:
                    int from = random.Next(bytes.Count + 1);
                    bytes.InsertRange(position, bytes.GetRange(from, random.Next(Math.Min(32, bytes.Count - from) + 1)));
                    break;
            }
        }

        return [.. bytes];
    }

    // A header with small counts, then plausible questions and records whose RDATA is usually, not always, well formed.
    private static byte[] RandomStructured(Random random)
    {
        var bytes = new List<byte>();
        int questions = random.Next(4) == 0 ? random.Next(3) : 1;
        int answers = random.Next(4);
        int authorities = random.Next(3);
        int additionals = random.Next(3);
        ushort flags = (ushort)(random.Next(3) == 0 ? random.Next(65536) : random.Next(2) * 0x8000 | random.Next(16));
        AddUInt16(bytes, (ushort)random.Next(65536));
        AddUInt16(bytes, flags);
        AddUInt16(bytes, (ushort)questions);
        AddUInt16(bytes, (ushort)answers);
        AddUInt16(bytes, (ushort)authorities);
        AddUInt16(bytes, (ushort)additionals);

        for (int i = 0; i < questions; i++)
        {
            AddName(random, bytes);
            AddUInt16(bytes, (ushort)RandomType(random));
            AddUInt16(bytes, (ushort)(random.Next(4) == 0 ? random.Next(256) : 1));
        }

        for (int i = 0; i < answers + authorities + additionals; i++)
        {
            var type = RandomType(random);
            bool opt = type == DnsRecordType.OPT;
            if (opt && random.Next(4) != 0)
            {
                bytes.Add(0);
            }
            else
            {
                AddName(random, bytes);
            }

            AddUInt16(bytes, (ushort)type);
            AddUInt16(bytes, (ushort)(opt ? random.Next(65536) : random.Next(4) == 0 ? random.Next(256) : 1));
            AddUInt16(bytes, (ushort)random.Next(65536));
            AddUInt16(bytes, (ushort)random.Next(65536));
            int lengthPosition = bytes.Count;
            AddUInt16(bytes, 0);
            AddRdata(random, bytes, type);
            int length = bytes.Count - lengthPosition - 2;
            if (random.Next(10) == 0)
            {
                length += random.Next(-2, 3);
            }

            bytes[lengthPosition] = (byte)(length >> 8);
            bytes[lengthPosition + 1] = (byte)length;
        }

        if (random.Next(10) == 0)
        {
            bytes.Add(NextOctet(random));
        }

        return [.. bytes];
    }

    // A header with one question whose name is a random sequence of labels and pointers anywhere in the packet.
    private static byte[] RandomPointers(Random random)
    {
        var bytes = new List<byte>(DnsWireFixtures.ZeroHeader);
        bytes[5] = 1;
        int elements = random.Next(1, 12);
        for (int i = 0; i < elements; i++)
        {
            if (random.Next(3) == 0)
            {
                int target = random.Next(bytes.Count + 8);
                bytes.Add((byte)(0xC0 | (target >> 8)));
                bytes.Add((byte)target);
            }
            else
            {
                AddLabel(random, bytes);
            }
        }

        if (random.Next(2) == 0)
        {
            bytes.Add(0);
        }

        AddUInt16(bytes, 1);
        AddUInt16(bytes, 1);
        return [.. bytes];
    }

    private static DnsRecordType RandomType(Random random)
    {
        DnsRecordType[] types =
        [
            DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME, DnsRecordType.NS, DnsRecordType.PTR, DnsRecordType.MX,
            DnsRecordType.SRV, DnsRecordType.SOA, DnsRecordType.TXT, DnsRecordType.OPT, (DnsRecordType)99,
        ];
        return random.Next(12) == 0 ? (DnsRecordType)random.Next(65536) : types[random.Next(types.Length)];
    }

    private static void AddRdata(Random random, List<byte> bytes, DnsRecordType type)
    {
        switch (type)
        {
            case DnsRecordType.A:
                bytes.AddRange(RandomBytes(random, random.Next(8) == 0 ? random.Next(6) : 4));
                break;
            case DnsRecordType.AAAA:
                bytes.AddRange(RandomBytes(random, random.Next(8) == 0 ? random.Next(18) : 16));
                break;
            case DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR:
                AddName(random, bytes);
                break;
            case DnsRecordType.MX:
                AddUInt16(bytes, (ushort)random.Next(65536));
                AddName(random, bytes);
                break;
            case DnsRecordType.SRV:
                bytes.AddRange(RandomBytes(random, 6));
                AddName(random, bytes);
                break;
            case DnsRecordType.SOA:
                AddName(random, bytes);
                AddName(random, bytes);
                bytes.AddRange(RandomBytes(random, random.Next(8) == 0 ? random.Next(24) : 20));
                break;
            case DnsRecordType.TXT:
                int strings = random.Next(4);
                for (int i = 0; i < strings; i++)
                {
                    int length = random.Next(20);
                    bytes.Add((byte)length);
                    bytes.AddRange(RandomBytes(random, length));
                }

                break;
            case DnsRecordType.OPT:
                int options = random.Next(3);
                for (int i = 0; i < options; i++)
                {
                    byte[] data = random.Next(2) == 0 ? RandomSubnet(random) : RandomBytes(random, random.Next(12));
                    AddUInt16(bytes, data.Length > 0 && random.Next(2) == 0 ? EdnsClientSubnet.OptionCode : (ushort)random.Next(20));
                    AddUInt16(bytes, (ushort)data.Length);
                    bytes.AddRange(data);
                }

                break;
            default:
                bytes.AddRange(RandomBytes(random, random.Next(12)));
                break;
        }
    }

    // ECS option data, well formed about half of the time.
    private static byte[] RandomSubnet(Random random)
    {
        int family = random.Next(10) == 0 ? random.Next(4) : random.Next(1, 3);
        int max = family == 2 ? 128 : 32;
        int source = random.Next(max + 2);
        int scope = random.Next(3) == 0 ? random.Next(max + 2) : 0;
        byte[] address = RandomBytes(random, Math.Max(0, (source + 7) / 8 + (random.Next(8) == 0 ? random.Next(-1, 2) : 0)));
        if (address.Length > 0 && source % 8 != 0 && random.Next(4) != 0)
        {
            address[^1] &= (byte)(0xFF << (8 - (source % 8)));
        }

        return [(byte)(family >> 8), (byte)family, (byte)source, (byte)scope, .. address];
    }

    // A name of a few labels, often ending in a pointer to an earlier position (sometimes a bad one).
    private static void AddName(Random random, List<byte> bytes)
    {
        int labels = random.Next(4);
        for (int i = 0; i < labels; i++)
        {
            AddLabel(random, bytes);
        }

        if (random.Next(2) == 0 && bytes.Count > DnsLimits.HeaderLength)
        {
            int target = random.Next(8) == 0 ? random.Next(bytes.Count + 4) : random.Next(DnsLimits.HeaderLength, bytes.Count);
            bytes.Add((byte)(0xC0 | (target >> 8)));
            bytes.Add((byte)target);
        }
        else
        {
            bytes.Add(0);
        }
    }

    private static void AddLabel(Random random, List<byte> bytes)
    {
        int length = random.Next(20) == 0 ? random.Next(1, 64) : random.Next(1, 6);
        bytes.Add((byte)length);
        for (int i = 0; i < length; i++)
        {
            bytes.Add(random.Next(8) == 0 ? (byte)random.Next(256) : (byte)"abcXYZ-0"[random.Next(8)]);
        }
    }

    private static void AddUInt16(List<byte> bytes, ushort value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }

    private static string RandomText(Random random, string alphabet)
    {
        int length = random.Next(4) == 0 ? random.Next(300) : random.Next(12);
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = random.Next(3) == 0 ? (char)random.Next('0', '9' + 1) : alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    // RFC 1035 §4.3.1 / RFC 2308 §3: a NXDOMAIN with the zone's SOA in authority, plus an OPT whose extended RCODE
    // is non-zero (so the message reads as code 0x13).
    private static byte[] NxDomainResponse()
    {
        var message = new DnsMessage
        {
            Id = 0x5A5A,
            IsResponse = true,
            IsAuthoritative = true,
            ResponseCode = (DnsResponseCode)0x13,
            Edns = new DnsEdns { UdpPayloadSize = 4096, Version = 0 },
        };
        var apex = DnsName.Parse("Example.Test.");
        message.Questions.Add(new DnsQuestion(DnsName.Parse("missing.example.test."), DnsRecordType.AAAA));
        message.Authorities.Add(new DnsRecord(apex, DnsRecordType.SOA, DnsClass.IN, 300,
            new SoaRecordData(DnsName.Parse("ns1.example.test."), DnsName.Parse("hostmaster.example.test."), 1, 2, 3, 4, 5)));
        return message.ToArray();
    }

    private struct FuzzCounters
    {
        public int Cases;
        public int MessagesAccepted;
        public int QueriesAccepted;
        public int NamesRead;

        public readonly FuzzCounters Add(FuzzCounters other) => new()
        {
            Cases = Cases + other.Cases,
            MessagesAccepted = MessagesAccepted + other.MessagesAccepted,
            QueriesAccepted = QueriesAccepted + other.QueriesAccepted,
            NamesRead = NamesRead + other.NamesRead,
        };
    }
}

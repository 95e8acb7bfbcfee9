using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Router.Health.Evaluation;
using Router.Health.Monitoring;

namespace Router.Health.Http;

/// <summary>
/// The bytes of the batch verdict document (<c>GET /health/registries</c>), written from the snapshot's pre-encoded
/// resources through <see cref="EncodedVerdict"/>, as the per-registry endpoint's verdicts are:
/// <c>{"region":"…","version":V,"complete":true|false,"registries":[{"name":"…","status":"Healthy|Unhealthy",
/// "failOpen":bool[,"reason":"…"][,"degradedZones":["2",…]][,"dependencies":[…]]},…]}</c>.
/// </summary>
internal static class BatchDocument
{
    /// <summary>A guess of one entry's size without dependencies, to size buffers.</summary>
    public const int TypicalEntryLength = 64;

    private const int MaxVersionLength = 20;

    private static ReadOnlySpan<byte> RegionPart => "{\"region\":\""u8;
    private static ReadOnlySpan<byte> VersionPart => "\",\"version\":"u8;
    private static ReadOnlySpan<byte> CompletePart => ",\"complete\":true,\"registries\":["u8;
    private static ReadOnlySpan<byte> IncompletePart => ",\"complete\":false,\"registries\":["u8;
    private static ReadOnlySpan<byte> NamePart => "{\"name\":\""u8;
    private static ReadOnlySpan<byte> HealthyPart => "\",\"status\":\"Healthy\",\"failOpen\":"u8;
    private static ReadOnlySpan<byte> UnhealthyPart => "\",\"status\":\"Unhealthy\",\"failOpen\":"u8;
    private static ReadOnlySpan<byte> TruePart => "true"u8;
    private static ReadOnlySpan<byte> FalsePart => "false"u8;
    private static ReadOnlySpan<byte> ReasonPart => ",\"reason\":\""u8;
    private static ReadOnlySpan<byte> DependenciesPart => ",\"dependencies\":["u8;
    private static ReadOnlySpan<byte> EndPart => "]}"u8;

    /// <summary>Everything before the first entry.</summary>
    public static void WriteStart(IBufferWriter<byte> writer, HealthSnapshot snapshot, long version, bool complete)
    {
        var region = snapshot.RegionJson;
        var tail = complete ? CompletePart : IncompletePart;
        var span = writer.GetSpan(RegionPart.Length + region.Length + VersionPart.Length + MaxVersionLength + tail.Length);
        int at = 0;
        EncodedVerdict.Append(span, ref at, RegionPart);
        EncodedVerdict.Append(span, ref at, region);
        EncodedVerdict.Append(span, ref at, VersionPart);
        bool formatted = version.TryFormat(span[at..], out int written, default, CultureInfo.InvariantCulture);
        Debug.Assert(formatted, "a long fits in 20 bytes");
        at += written;
        EncodedVerdict.Append(span, ref at, tail);
        writer.Advance(at);
    }

    /// <summary>Registry <paramref name="index"/>'s entry as it reads at <paramref name="utcTicks"/>, after a comma unless it is the first.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteEntry(IBufferWriter<byte> writer, HealthSnapshot snapshot, int index, long utcTicks, bool detail, bool first)
    {
        Span<byte> nameScratch = stackalloc byte[HealthEndpoints.MaxStackNameBytes];
        var name = EncodedVerdict.EncodeName(snapshot.Topology.Registries[index].Name, nameScratch);
        var verdict = EncodedVerdict.Read(snapshot, index, utcTicks);
        var status = verdict.Status == HealthState.Unhealthy ? UnhealthyPart : HealthyPart;
        var failOpen = verdict.FailOpen ? TruePart : FalsePart;
        int length = (first ? 0 : 1) + NamePart.Length + name.Length + status.Length + failOpen.Length
            + (verdict.HasReason ? ReasonPart.Length + verdict.ReasonLength + 1 : 0)
            + verdict.DegradedZonesLength
            + (detail ? DependenciesPart.Length + verdict.DependenciesLength + 1 : 0)
            + 1;
        var span = writer.GetSpan(length);
        int at = 0;
        if (!first)
        {
            span[at++] = (byte)',';
        }

        EncodedVerdict.Append(span, ref at, NamePart);
        EncodedVerdict.Append(span, ref at, name);
        EncodedVerdict.Append(span, ref at, status);
        EncodedVerdict.Append(span, ref at, failOpen);
        if (verdict.HasReason)
        {
            EncodedVerdict.Append(span, ref at, ReasonPart);
            verdict.WriteReason(span, ref at);
            span[at++] = (byte)'"';
        }

        verdict.WriteDegradedZones(span, ref at);
        if (detail)
        {
            EncodedVerdict.Append(span, ref at, DependenciesPart);
            verdict.WriteDependencies(span, ref at);
            span[at++] = (byte)']';
        }

        span[at++] = (byte)'}';
        Debug.Assert(at == length, "the entry's length was computed from the same parts");
        writer.Advance(length);
        return length;
    }

    /// <summary>Everything after the last entry.</summary>
    public static void WriteEnd(IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(EndPart.Length);
        EndPart.CopyTo(span);
        writer.Advance(EndPart.Length);
    }

    /// <summary>
    /// The document of <paramref name="count"/> registries (<paramref name="registries"/>, or every registry in topology
    /// order when null) without dependencies, built in memory.
    /// </summary>
    public static BatchBody Build(HealthSnapshot snapshot, long version, bool complete, int[]? registries, int count, long utcTicks)
    {
        var buffer = new SegmentedBuffer(((long)count * TypicalEntryLength) + 128);
        WriteStart(buffer, snapshot, version, complete);
        for (int i = 0; i < count; i++)
        {
            WriteEntry(buffer, snapshot, registries is null ? i : registries[i], utcTicks, detail: false, first: i == 0);
        }

        WriteEnd(buffer);
        return new BatchBody(version, buffer.Complete(), buffer.Length);
    }
}

/// <summary>A batch document built in memory: its version and its bytes, in segments.</summary>
internal sealed record BatchBody(long Version, ReadOnlyMemory<byte>[] Segments, long Length);

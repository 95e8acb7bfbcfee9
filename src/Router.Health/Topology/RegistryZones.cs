using System.Text.Encodings.Web;
using System.Text.Json;

namespace Router.Health.Topology;

/// <summary>
/// A registry's <c>Zones</c>: the zones it is served from, as bits of <see cref="HealthTopology.ZoneNames"/>, and the
/// reason its verdict gives when none of them has every zonal dependency healthy (encoded once, for the endpoints).
/// </summary>
internal sealed class RegistryZones
{
    public RegistryZones(ulong mask, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Mask = mask;
        Reason = $"no zone has all of the registry's zonal dependencies healthy (zones {string.Join(", ", names)})";
        ReasonJson = JsonEncodedText.Encode(Reason, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.ToArray();
    }

    /// <summary>The zones, one bit each.</summary>
    public ulong Mask { get; }

    /// <summary>The verdict's reason when no zone can serve.</summary>
    public string Reason { get; }

    /// <summary><see cref="Reason"/> as escaped JSON string content (no quotes).</summary>
    public byte[] ReasonJson { get; }

    /// <summary>
    /// The zone rule, the one place it is written: with <paramref name="lostZones"/> (the zones in which a zonal
    /// dependency of the registry has an unhealthy instance), whether no zone of <paramref name="zones"/> can serve.
    /// Every zonal dependency has an instance in each zone (validation), so a zone serves unless it is lost.
    /// </summary>
    public static bool NoZoneServes(RegistryZones? zones, ulong lostZones) => zones is not null && (zones.Mask & ~lostZones) == 0;
}

using System.Diagnostics.CodeAnalysis;

namespace Router.TrafficManager.Routing;

/// <summary>How specific a geographic code (or the mapping that matched a client) is.</summary>
internal enum GeoLevel : byte
{
    /// <summary>Nothing matched.</summary>
    None,

    /// <summary><c>WORLD</c>: every client.</summary>
    World,

    /// <summary>A continent (<c>EU</c>, <c>GEO-NA</c>).</summary>
    Continent,

    /// <summary>An ISO 3166-1 alpha-2 country (<c>DE</c>).</summary>
    Country,
}

/// <summary>
/// One <c>GeoMapping</c> code, parsed: <see cref="Value"/> is the continent's index in <see cref="GeoCodes.Continents"/>
/// (1-7) or the country packed by <see cref="GeoCodes.Pack"/>.
/// </summary>
internal readonly record struct GeoCode(GeoLevel Level, ushort Value)
{
    public override string ToString() => Level switch
    {
        GeoLevel.World => GeoCodes.World,
        GeoLevel.Continent => GeoCodes.Continents[Value],
        GeoLevel.Country => GeoCodes.Unpack(Value),
        _ => string.Empty,
    };
}

/// <summary>
/// The codes of geographic routing: <c>WORLD</c>, the seven continents of MaxMind databases (<c>AF</c> Africa,
/// <c>AN</c> Antarctica, <c>AS</c> Asia, <c>EU</c> Europe, <c>NA</c> North America, <c>OC</c> Oceania, <c>SA</c> South
/// America) and the ISO 3166-1 alpha-2 countries (with <c>XK</c>, Kosovo, which the databases use).
/// </summary>
/// <remarks>
/// AF, AS, NA and SA are also the ISO codes of Afghanistan, American Samoa, Namibia and Saudi Arabia: a bare two-letter
/// code is the country when one has it, and a continent only when no country does (EU, OC, AN). A continent can always
/// be written as Traffic Manager writes its regions, <c>GEO-NA</c>, which is never a country.
/// </remarks>
internal static class GeoCodes
{
    public const string World = "WORLD";

    /// <summary>The prefix that makes a code a continent (<c>GEO-EU</c>), as in Traffic Manager's geographic hierarchy.</summary>
    public const string ContinentPrefix = "GEO-";

    /// <summary>The continent codes by index; index 0 is "unknown".</summary>
    public static readonly string[] Continents = ["", "AF", "AN", "AS", "EU", "NA", "OC", "SA"];

    // ISO 3166-1 alpha-2, the officially assigned codes (249), and XK (Kosovo, user-assigned; MaxMind and DB-IP use it).
    private const string CountryList =
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
        "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT " +
        "JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
        "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM " +
        "PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
        "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

    private static readonly HashSet<ushort> CountrySet = [.. CountryList.Split(' ').Select(c => Pack(c))];

    /// <summary>How many country codes are known.</summary>
    public static int CountryCount => CountrySet.Count;

    /// <summary>Two ASCII letters packed into one number (<c>'D' &lt;&lt; 8 | 'E'</c>); uppercase is expected.</summary>
    public static ushort Pack(ReadOnlySpan<char> code) => (ushort)((code[0] << 8) | code[1]);

    public static string Unpack(ushort code) => new([(char)(code >> 8), (char)(code & 0xFF)]);

    public static bool IsCountry(ushort code) => CountrySet.Contains(code);

    /// <summary>The index of a continent code in <see cref="Continents"/>, or 0.</summary>
    public static byte ContinentIndex(ReadOnlySpan<char> code)
    {
        for (int i = 1; i < Continents.Length; i++)
        {
            if (code.Equals(Continents[i], StringComparison.OrdinalIgnoreCase))
            {
                return (byte)i;
            }
        }

        return 0;
    }

    /// <summary>
    /// A country code as a database gives it (<c>country.iso_code</c>), packed; 0 when it is not two ASCII letters.
    /// Codes outside the ISO list are kept (a database may use reserved ones): they match no mapping but their own.
    /// </summary>
    public static ushort PackDatabaseCountry(string? code) =>
        code is { Length: 2 } && char.IsAsciiLetter(code[0]) && char.IsAsciiLetter(code[1])
            ? Pack([char.ToUpperInvariant(code[0]), char.ToUpperInvariant(code[1])])
            : (ushort)0;

    /// <summary>Parses one <c>GeoMapping</c> entry, case-insensitively.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out GeoCode code, [NotNullWhen(false)] out string? error)
    {
        code = default;
        string trimmed = text?.Trim().ToUpperInvariant() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            error = "empty code (WORLD, a continent such as EU or GEO-NA, or an ISO 3166-1 country such as DE)";
            return false;
        }

        if (trimmed == World)
        {
            code = new GeoCode(GeoLevel.World, 0);
            error = null;
            return true;
        }

        if (trimmed.StartsWith(ContinentPrefix, StringComparison.Ordinal))
        {
            string continent = trimmed[ContinentPrefix.Length..];
            byte index = ContinentIndex(continent);
            if (index == 0)
            {
                error = continent switch
                {
                    "AP" => $"'{text}': the database's continent for Australia and the Pacific is OC (Oceania): write GEO-OC",
                    "ME" => $"'{text}': country databases put the Middle East in AS (Asia); map GEO-AS or the countries",
                    _ => $"'{text}' is not a continent (GEO-AF, GEO-AN, GEO-AS, GEO-EU, GEO-NA, GEO-OC, GEO-SA)",
                };
                return false;
            }

            code = new GeoCode(GeoLevel.Continent, index);
            error = null;
            return true;
        }

        if (trimmed.Length == 2 && char.IsAsciiLetter(trimmed[0]) && char.IsAsciiLetter(trimmed[1]))
        {
            ushort packed = Pack(trimmed);
            if (IsCountry(packed))
            {
                code = new GeoCode(GeoLevel.Country, packed);
                error = null;
                return true;
            }

            byte index = ContinentIndex(trimmed);
            if (index != 0)
            {
                code = new GeoCode(GeoLevel.Continent, index);
                error = null;
                return true;
            }
        }

        error = trimmed.Length > 3 && trimmed[2] == '-' && IsCountry(Pack(trimmed))
            ? $"'{text}': regions below a country are not supported (the database is a country database); map {trimmed[..2]}"
            : $"'{text}' is not WORLD, a continent (AF, AN, AS, EU, NA, OC, SA, or GEO-XX) or an ISO 3166-1 alpha-2 country code";
        return false;
    }
}

using System.Globalization;
using MaxMind.Db;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Geo;

/// <summary>
/// Reads a country database in MaxMind DB format (GeoLite2-Country, GeoIP2-Country, DB-IP country; a City database
/// works too) with the <c>MaxMind.Db</c> reader: every network's <c>country.iso_code</c> (else
/// <c>registered_country.iso_code</c>) and <c>continent.code</c>, into the <see cref="GeoTable"/> routing reads.
/// </summary>
internal static class GeoDatabaseFile
{
    /// <summary>Networks decoded once per distinct record while iterating (a country database has a few hundred).</summary>
    private const int RecordCache = 4096;

    /// <summary>
    /// Whether <paramref name="path"/> opens as a MaxMind DB file (its metadata reads), without reading its networks:
    /// the check of <c>router validate</c>; a file that passes it may still fail <see cref="TryRead"/>.
    /// </summary>
    public static bool TryCheck(string path, out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var reader = new Reader(path, FileAccessMode.Memory);
            error = reader.Metadata.IPVersion is 4 or 6 ? null : $"not a MaxMind DB country database: IP version {reader.Metadata.IPVersion}";
            return error is null;
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            error = Reason(path, ex);
            return false;
        }
    }

    /// <summary>The table of the database at <paramref name="path"/>; false with a reason when it cannot be read.</summary>
    public static bool TryRead(string path, out GeoTable? table, out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        table = null;
        try
        {
            // Read into memory, not mapped: the file can then be replaced (or be half-written) without touching the table.
            using var reader = new Reader(path, FileAccessMode.Memory);
            var metadata = reader.Metadata;
            var builder = new GeoTableBuilder();
            foreach (var node in reader.FindAll<CountryRecord>(cacheSize: RecordCache))
            {
                var data = node.Data;
                builder.Add(node.Start.GetAddressBytes(), node.PrefixLength,
                    data.Country?.IsoCode ?? data.RegisteredCountry?.IsoCode, data.Continent?.Code);
            }

            string description = string.Create(CultureInfo.InvariantCulture,
                $"{metadata.DatabaseType} built {metadata.BuildDate:yyyy-MM-dd}, IPv{metadata.IPVersion}");
            table = builder.Build(description);
            error = null;
            return true;
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            error = Reason(path, ex);
            return false;
        }
    }

    // A missing, unreadable, truncated or foreign file makes the reader throw all sorts (index, cast, format errors):
    // each is a file that cannot be read, never a crash of the caller.
    private static bool IsReadFailure(Exception ex) => ex is not OutOfMemoryException;

    private static string Reason(string path, Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"no such file: {path}",
        IOException or UnauthorizedAccessException => ex.Message,
        _ => $"not a MaxMind DB country database: {ex.Message}",
    };

    /// <summary>The part of a database record routing reads; other keys are skipped.</summary>
    internal sealed class CountryRecord
    {
        [Constructor]
        public CountryRecord([MapKey("country")] CodeRecord? country, [MapKey("registered_country")] CodeRecord? registeredCountry,
            [MapKey("continent")] CodeRecord? continent)
        {
            Country = country;
            RegisteredCountry = registeredCountry;
            Continent = continent;
        }

        public CodeRecord? Country { get; }

        public CodeRecord? RegisteredCountry { get; }

        public CodeRecord? Continent { get; }
    }

    /// <summary><c>{ "iso_code": "DE" }</c> of a country, <c>{ "code": "EU" }</c> of a continent.</summary>
    internal sealed class CodeRecord
    {
        [Constructor]
        public CodeRecord([MapKey("iso_code")] string? isoCode, [MapKey("code")] string? code)
        {
            IsoCode = isoCode;
            Code = code;
        }

        public string? IsoCode { get; }

        public string? Code { get; }
    }
}

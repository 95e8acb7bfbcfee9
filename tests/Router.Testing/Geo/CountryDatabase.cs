using System.Diagnostics;
using Xunit.Sdk;

namespace Router.Testing.Geo;

/// <summary>One network of a test country database: <c>("10.1.0.0/16", "DE", "EU")</c>; a null country leaves it out.</summary>
public readonly record struct CountryNetwork(string Network, string? Country, string Continent);

/// <summary>
/// Writes small country databases in MaxMind DB format (GeoLite2-Country-shaped: <c>country.iso_code</c>,
/// <c>continent.code</c>) with <c>write-country-mmdb.pl</c> and Debian's <c>libmaxmind-db-writer-perl</c>, which
/// tests/run-all.sh installs.
/// </summary>
public static class CountryDatabase
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Writes <paramref name="networks"/> to <paramref name="path"/> (replacing it).</summary>
    public static void Write(string path, params CountryNetwork[] networks)
    {
        ArgumentNullException.ThrowIfNull(path);
        string perl = InstalledProgram.Find("perl", "perl");
        string script = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "write-country-mmdb.pl");
        using (var resource = typeof(CountryDatabase).Assembly.GetManifestResourceStream("write-country-mmdb.pl")
            ?? throw new InvalidOperationException("write-country-mmdb.pl is not embedded in Router.Testing."))
        using (var file = File.Create(script))
        {
            resource.CopyTo(file);
        }

        var info = new ProcessStartInfo(perl)
        {
            ArgumentList = { script, path + ".tmp" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new XunitException("could not start perl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        foreach (var network in networks)
        {
            process.StandardInput.WriteLine($"{network.Network} {network.Country ?? "-"} {network.Continent}");
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill();
            throw new XunitException($"write-country-mmdb.pl did not finish within {Deadline.TotalSeconds} s");
        }

        if (process.ExitCode != 0)
        {
            string error = stderr.GetAwaiter().GetResult();
            throw new XunitException(error.Contains("MaxMind/DB/Writer", StringComparison.Ordinal)
                ? $"write-country-mmdb.pl needs the Perl module MaxMind::DB::Writer (apt-get install libmaxmind-db-writer-perl, as tests/run-all.sh does): {error}"
                : $"write-country-mmdb.pl failed ({process.ExitCode}): {error}{stdout.GetAwaiter().GetResult()}");
        }

        // Replaced in one step, as a database update would be, so a watcher never reads it half-written.
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Router.Cli.Tests.Hosting;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4: fails the test on any line a Prometheus server would
/// reject or misread (bad names, bad escapes, samples outside their family, duplicate series, broken histograms).
/// </summary>
internal static partial class PrometheusTextChecker
{
    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static void AssertValid(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        Assert.True(text.EndsWith('\n'), "the exposition must end with a line feed");
        Assert.DoesNotContain('\r', text);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var finishedFamilies = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var histograms = new Dictionary<string, HistogramState>(StringComparer.Ordinal);
        string? currentFamily = null;
        string[] lines = text[..^1].Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            string where = $"line {n + 1} '{line}'";
            Assert.False(string.IsNullOrWhiteSpace(line), $"{where}: empty line");
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', 4);
                Assert.True(parts.Length >= 3, $"{where}: incomplete");
                string family = parts[2];
                Assert.Matches(MetricName(), family);
                if (family != currentFamily)
                {
                    Assert.True(currentFamily is null || finishedFamilies.Add(currentFamily), $"{where}: family repeated");
                    Assert.DoesNotContain(family, finishedFamilies);
                    currentFamily = family;
                }

                if (parts[1] == "HELP")
                {
                    Assert.True(helps.Add(family), $"{where}: second HELP");
                    Assert.True(ValidHelpEscapes(parts.Length > 3 ? parts[3] : string.Empty), $"{where}: bad escape in HELP");
                }
                else
                {
                    Assert.True(parts.Length == 4 && parts[3] is "counter" or "gauge" or "histogram" or "summary" or "untyped", $"{where}: bad TYPE");
                    Assert.True(types.TryAdd(family, parts[3]), $"{where}: second TYPE");
                }

                continue;
            }

            Assert.False(line.StartsWith('#'), $"{where}: comments other than HELP and TYPE are not written");
            var (name, labels, value) = ParseSample(line, where);
            string sampleFamily = FamilyOf(name, types);
            Assert.True(sampleFamily == currentFamily, $"{where}: sample outside its family block ({currentFamily})");
            string labelKey = string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
            Assert.True(series.Add(name + "{" + labelKey + "}"), $"{where}: duplicate series");
            if (types.GetValueOrDefault(sampleFamily) == "histogram")
            {
                string seriesKey = string.Join(',', labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
                var state = histograms.TryGetValue(sampleFamily + "{" + seriesKey + "}", out var existing) ? existing : new HistogramState();
                histograms[sampleFamily + "{" + seriesKey + "}"] = state;
                if (name.EndsWith("_bucket", StringComparison.Ordinal))
                {
                    Assert.True(labels.TryGetValue("le", out string? le), $"{where}: bucket without le");
                    double bound = ParseValue(le!, where);
                    Assert.True(bound > state.LastBound, $"{where}: bucket bounds must increase");
                    Assert.True(value >= state.LastCount, $"{where}: buckets must be cumulative");
                    (state.LastBound, state.LastCount) = (bound, value);
                    state.SawInf |= double.IsPositiveInfinity(bound);
                }
                else if (name.EndsWith("_count", StringComparison.Ordinal))
                {
                    Assert.True(state.SawInf, $"{where}: histogram without a +Inf bucket");
                    Assert.Equal(state.LastCount, value);
                }
            }
            else if (types.GetValueOrDefault(sampleFamily) == "counter")
            {
                Assert.True(value >= 0 || double.IsNaN(value), $"{where}: negative counter");
            }
        }
    }

    /// <summary>Runs <c>promtool check metrics</c> on the text when promtool is on the PATH (it is not installed for the tests).</summary>
    public static void AssertPromtoolAcceptsWhenInstalled(string text)
    {
        string? promtool = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "promtool"))
            .FirstOrDefault(File.Exists);
        if (promtool is null)
        {
            return;
        }

        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardInput.Write(text);
        process.StandardInput.Close();
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "promtool did not finish");
        Assert.True(process.ExitCode == 0, $"promtool check metrics: {output}");
    }

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(name[..^suffix.Length]) == "histogram")
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static (string Name, Dictionary<string, string> Labels, double Value) ParseSample(string line, string where)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        string name = line[..i];
        Assert.Matches(MetricName(), name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int equals = line.IndexOf('=', i);
                Assert.True(equals > i, $"{where}: label without '='");
                string labelName = line[i..equals];
                Assert.Matches(LabelName(), labelName);
                Assert.True(line[equals + 1] == '"', $"{where}: label value not quoted");
                int j = equals + 2;
                var value = new System.Text.StringBuilder();
                while (line[j] != '"')
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new Xunit.Sdk.XunitException($"{where}: bad escape '\\{line[j]}'"),
                        });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }

                    j++;
                }

                Assert.True(labels.TryAdd(labelName, value.ToString()), $"{where}: label repeated");
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
                else
                {
                    Assert.True(line[i] == '}', $"{where}: expected ',' or '}}'");
                }
            }

            i++;
        }

        Assert.True(i < line.Length && line[i] == ' ', $"{where}: expected a space before the value");
        string[] rest = line[(i + 1)..].Split(' ');
        Assert.True(rest.Length is 1 or 2, $"{where}: expected 'value [timestamp]'");
        return (name, labels, ParseValue(rest[0], where));
    }

    private static double ParseValue(string text, string where) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
        _ => throw new Xunit.Sdk.XunitException($"{where}: '{text}' is not a number"),
    };

    private static bool ValidHelpEscapes(string help)
    {
        for (int i = 0; i < help.Length; i++)
        {
            if (help[i] == '\\' && (i + 1 == help.Length || help[i + 1] is not ('\\' or 'n')))
            {
                return false;
            }

            if (help[i] == '\\')
            {
                i++;
            }
        }

        return true;
    }

    private sealed class HistogramState
    {
        public double LastBound { get; set; } = double.NegativeInfinity;

        public double LastCount { get; set; }

        public bool SawInf { get; set; }
    }
}

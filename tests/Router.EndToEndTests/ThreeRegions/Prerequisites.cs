using Router.Testing;
using Router.Testing.Dns;
using Xunit.Sdk;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>
/// What the sample topology needs on the machine (the list of <c>three-regions.sh</c>'s own check). Missing pieces fail
/// the suite — they never skip it — with the command that installs them.
/// </summary>
internal static class Prerequisites
{
    /// <summary>Program and the Debian package that provides it.</summary>
    private static readonly (string Program, string Package)[] Programs =
    [
        ("docker-registry", "docker-registry"), ("skopeo", "skopeo"), ("redis-server", "redis-server"), ("redis-cli", "redis-tools"),
        ("htpasswd", "apache2-utils"), ("psql", "postgresql"), ("ip", "iproute2"), ("iptables", "iptables"),
        ("dig", "bind9-dnsutils"), ("curl", "curl"), ("jq", "jq"), ("setpriv", "util-linux"), ("bash", "bash"),
    ];

    public static void Check()
    {
        var problems = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            throw new XunitException("the end-to-end suite needs Linux (network namespaces, tmpfs mounts, iptables).");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            problems.Add("it must run as root (network namespaces, tmpfs mounts, iptables, daemons dropped to nobody); CI runs as root — run 'sudo dotnet test tests/Router.EndToEndTests' or 'sudo tests/run-all.sh'");
        }

        var missing = Programs.Where(p => InstalledProgram.TryFind(p.Program) is null).Select(p => p.Package).ToList();
        bool initdb = Directory.Exists("/usr/lib/postgresql") &&
                      Directory.EnumerateDirectories("/usr/lib/postgresql").Any(d => File.Exists(Path.Combine(d, "bin", "initdb")));
        if (!initdb && !missing.Contains("postgresql"))
        {
            missing.Add("postgresql");
        }

        if (missing.Count > 0)
        {
            problems.Add($"missing packages: {string.Join(' ', missing.Distinct())}{Environment.NewLine}" +
                $"  install them: apt-get install -y --no-install-recommends {string.Join(' ', missing.Distinct())}{Environment.NewLine}" +
                "  (tests/run-all.sh, the README's test command, installs every package the tests need)");
        }

        if (problems.Count > 0)
        {
            throw new XunitException("end-to-end prerequisites are missing:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }
    }
}

using Router.Testing;

namespace Router.Cluster.AcceptanceTests.TestSupport;

/// <summary>
/// The regions' health endpoints, stood in for by two <see cref="FlippableHealthServer"/>s on every region's address:
/// one on the port of the configuration file (probed by router-1 and router-2), and one on a port of its own that only
/// router-3 probes (its environment overrides the profile's monitor port). So a region can fail for everyone
/// (<see cref="Set"/>), be seen failing by router-1 and router-2 only (<see cref="SetShared"/>), or be unreachable for
/// router-3 alone (<see cref="CutThirdOffAsync"/>: nothing listens on that region's address at router-3's port, so its
/// probes are refused) while every client still reaches it.
/// </summary>
internal sealed class RegionHealth : IAsyncDisposable
{
    private readonly Dictionary<string, int> _status = ClusterConfig.Regions.ToDictionary(r => r, _ => 200, StringComparer.Ordinal);
    private readonly HashSet<string> _cutForThird = new(StringComparer.Ordinal);
    private FlippableHealthServer _third;

    private RegionHealth(FlippableHealthServer shared, FlippableHealthServer third)
    {
        Shared = shared;
        _third = third;
    }

    /// <summary>What router-1 and router-2 probe (the file's <c>Monitor:Port</c>).</summary>
    public FlippableHealthServer Shared { get; }

    /// <summary>The port router-3 probes (<c>Router__TrafficManager__Profiles__0__Monitor__Port</c>).</summary>
    public int ThirdPort => _third.Port;

    public static async Task<RegionHealth> StartAsync()
    {
        var all = ClusterConfig.Regions.Select(ClusterConfig.Address).ToList();
        var shared = await FlippableHealthServer.StartAsync(all);
        try
        {
            return new RegionHealth(shared, await FlippableHealthServer.StartAsync(all));
        }
        catch
        {
            await shared.DisposeAsync();
            throw;
        }
    }

    /// <summary>The region's health URL answers <paramref name="status"/> to every instance.</summary>
    public void Set(string region, int status)
    {
        _status[region] = status;
        Shared.Set(ClusterConfig.Targets[region], status);
        if (!_cutForThird.Contains(region))
        {
            _third.Set(ClusterConfig.Targets[region], status);
        }
    }

    /// <summary>Only router-1 and router-2 get <paramref name="status"/>; router-3 keeps getting the region's status.</summary>
    public void SetShared(string region, int status) => Shared.Set(ClusterConfig.Targets[region], status);

    /// <summary>router-3's probes of <paramref name="region"/> are refused from now on; nobody else notices.</summary>
    public Task CutThirdOffAsync(string region)
    {
        _cutForThird.Add(region);
        return RestartThirdAsync();
    }

    /// <summary>Every region answers 200 to every instance again.</summary>
    public async Task RestoreAsync()
    {
        if (_cutForThird.Count > 0)
        {
            _cutForThird.Clear();
            await RestartThirdAsync();
        }

        foreach (string region in ClusterConfig.Regions)
        {
            Set(region, 200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Shared.DisposeAsync();
        await _third.DisposeAsync();
    }

    /// <summary>router-3's server again on the same port, listening only on the regions not cut off.</summary>
    private async Task RestartThirdAsync()
    {
        int port = _third.Port;
        await _third.DisposeAsync();
        var reachable = ClusterConfig.Regions.Where(r => !_cutForThird.Contains(r)).ToList();
        _third = await FlippableHealthServer.StartAsync([.. reachable.Select(ClusterConfig.Address)], port);
        foreach (string region in reachable)
        {
            _third.Set(ClusterConfig.Targets[region], _status[region]);
        }
    }
}

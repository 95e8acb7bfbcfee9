using System.Diagnostics.Metrics;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// The instruments of the country database (<see cref="Geo.GeoDatabase"/>), on the assembly's meter. The answer path's
/// geographic decisions are counted by <see cref="RoutingMetrics"/>.
/// </summary>
internal sealed class GeoMetrics
{
    /// <summary>Attempts to read the country database, by <see cref="OutcomeTag"/> (<see cref="Loaded"/>, <see cref="Failed"/>).</summary>
    public const string Loads = "router.tm.geo.database.loads";

    /// <summary>The networks of the country database in force (0 without one).</summary>
    public const string Networks = "router.tm.geo.database.networks";

    public const string OutcomeTag = "outcome";
    public const string Loaded = "loaded";
    public const string Failed = "failed";

    private readonly Counter<long> _loads;

    public GeoMetrics(IMeterFactory meterFactory, GeoLocator locator)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(locator);
        var meter = meterFactory.Create(TrafficManagerMetrics.MeterName);
        _loads = meter.CreateCounter<long>(Loads, "{load}", "Reads of the country database of Geographic routing, by outcome.");
        meter.CreateObservableGauge(Networks, () => (long)locator.Table.Networks, "{network}",
            "Networks in the country database in force for Geographic routing (0 without one).");
    }

    public void LoadCompleted(bool loaded) => _loads.Add(1, new KeyValuePair<string, object?>(OutcomeTag, loaded ? Loaded : Failed));
}

namespace Router.TrafficManager.Routing;

/// <summary>
/// The country database in force, shared by every Geographic profile of every snapshot: a reload swaps
/// <see cref="Table"/> (one reference write) without rebuilding profiles; the answer path reads it once per query.
/// </summary>
internal sealed class GeoLocator(GeoTable initial)
{
    private GeoTable _table = initial ?? throw new ArgumentNullException(nameof(initial));

    /// <summary>The table answered from.</summary>
    public GeoTable Table
    {
        get => Volatile.Read(ref _table);
        set => Volatile.Write(ref _table, value ?? throw new ArgumentNullException(nameof(value)));
    }
}

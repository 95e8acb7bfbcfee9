namespace Router.TrafficManager.Routing;

/// <summary>
/// The snapshot in force. The owner swaps it (a configuration reload, an endpoint status change); readers on the DNS
/// answer path read <see cref="Current"/> once per query and never wait.
/// </summary>
internal sealed class RoutingSnapshotHolder(RoutingSnapshot initial)
{
    private RoutingSnapshot _current = initial ?? throw new ArgumentNullException(nameof(initial));

    /// <summary>The snapshot answered from.</summary>
    public RoutingSnapshot Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Replaces the snapshot with <paramref name="update"/> applied to it, atomically against concurrent updates.</summary>
    public RoutingSnapshot Update(Func<RoutingSnapshot, RoutingSnapshot> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            var next = update(current) ?? throw new InvalidOperationException("The update returned no snapshot.");
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, current), current))
            {
                return next;
            }
        }
    }
}

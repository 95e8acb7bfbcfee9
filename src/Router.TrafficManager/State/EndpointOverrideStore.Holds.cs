using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.State;

/// <summary>The failback holds the state file keeps next to the manual settings.</summary>
internal sealed partial class EndpointOverrideStore
{
    /// <summary>Held endpoints; replaced whole on every change (readers take the reference).</summary>
    private Dictionary<(string Profile, string Endpoint), FailbackHold> _holds;

    /// <summary>Whether any endpoint is held; read without the lock on the probe path (a stale answer is re-checked under it).</summary>
    public bool HasHolds => Volatile.Read(ref _holds).Count > 0;

    public bool TryGetHold(string profile, string endpoint, out FailbackHold? hold) =>
        Volatile.Read(ref _holds).TryGetValue((profile, endpoint), out hold);

    /// <summary>Every hold, in no particular order.</summary>
    public IReadOnlyList<FailbackHold> GetHolds() => [.. Volatile.Read(ref _holds).Values];

    /// <summary>
    /// Applies hold changes: a non-null hold is set, a null one removes the endpoint's hold. Saves the file when
    /// <paramref name="save"/> (a hold that starts or ends; a restarted HoldDown count is kept in memory only, as a
    /// restart restarts it anyway). The holds are taken even when the file cannot be written (the error is returned):
    /// the endpoint's answers must follow its failback mode in this process.
    /// </summary>
    public string? UpdateHolds(IEnumerable<((string Profile, string Endpoint) Key, FailbackHold? Hold)> changes, bool save)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            var next = new Dictionary<(string, string), FailbackHold>(_holds, KeyComparer.Instance);
            foreach (var (key, hold) in changes)
            {
                if (hold is null)
                {
                    next.Remove(key);
                }
                else
                {
                    next[key] = hold;
                }
            }

            Volatile.Write(ref _holds, next);
            if (!save)
            {
                return null;
            }

            string? error = Save(_overrides, next);
            _unsaved = error is not null;
            return error;
        }
    }

    /// <summary>The holds of a state file being loaded; the HoldDown count restarts now (see <see cref="FailbackHold.CleanSince"/>), by the caller.</summary>
    private void LoadHolds(List<FailbackHold>? holds)
    {
        foreach (var hold in holds ?? [])
        {
            if (hold is not null && !string.IsNullOrEmpty(hold.Profile) && !string.IsNullOrEmpty(hold.Endpoint))
            {
                _holds[(hold.Profile, hold.Endpoint)] = hold;
            }
        }
    }
}

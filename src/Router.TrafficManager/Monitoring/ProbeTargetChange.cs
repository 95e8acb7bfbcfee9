namespace Router.TrafficManager.Monitoring;

/// <summary>How an endpoint's probe target changed on a reload (<see cref="ProbeTargetDiff.Compare"/>), most important first.</summary>
internal enum ProbeTargetChange
{
    /// <summary>Nothing that matters to probing or judging changed.</summary>
    Unchanged,

    /// <summary>Only <c>IntervalSeconds</c> or <c>TimeoutSeconds</c> changed: reschedule, keep status and counters.</summary>
    NewTiming,

    /// <summary><c>ToleratedFailures</c> or <c>SuccessesToOnline</c> changed (timing may have too): re-judge the counters.</summary>
    NewThresholds,

    /// <summary>The effective <c>Enabled</c> flag changed (whatever else did, except what is probed).</summary>
    EnabledChanged,

    /// <summary>What is probed changed (target, protocol, port, path, headers, expected status codes, fallback): start over.</summary>
    NewProbe,
}

using Router.Http;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>The protocol, port, path, headers and expected codes of one attempt (the deep probe or the fallback).</summary>
internal sealed record ProbeAttemptSettings(
    MonitorProtocol Protocol, int Port, string Path, StatusCodeRange[] ExpectedStatusCodes, KeyValuePair<string, string>[] Headers);

using System.Net;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager;

/// <summary>One profile as the admin API and <c>router status</c> show it.</summary>
/// <param name="Name">The profile name.</param>
/// <param name="Fqdn">The name answered, with the trailing dot (<c>contoso.tm.registry.test.</c>).</param>
/// <param name="RoutingMethod">How an endpoint is chosen.</param>
/// <param name="Ttl">The answers' TTL in seconds.</param>
/// <param name="Endpoints">The endpoints, in configuration order.</param>
public sealed record ProfileReport(string Name, string Fqdn, RoutingMethod RoutingMethod, int Ttl, IReadOnlyList<EndpointReport> Endpoints);

using System.Runtime.CompilerServices;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Routing;

/// <summary>Endpoint indices of one answer, inline (at most <see cref="Capacity"/>, MultiValue's maximum).</summary>
[InlineArray(Capacity)]
internal struct EndpointIndexBuffer
{
    public const int Capacity = TrafficManagerOptionsValidator.MaxMultiValueReturn;

    private int _element;
}

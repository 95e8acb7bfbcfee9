using System.Net;
using System.Net.Sockets;
using Router.Dns.Server.Zones;

namespace Router.Dns.Server.Pipeline;

/// <summary>The transport a query arrived on.</summary>
public enum DnsTransport
{
    Udp,
    Tcp,
}

/// <summary>
/// One query and its response as it moves through the pipeline. Contexts are pooled and reused: a handler must not
/// keep a reference after it has answered.
/// </summary>
public sealed class DnsRequestContext
{
    /// <summary>Octets reserved in front of the response for the TCP length prefix (RFC 1035 §4.2.2).</summary>
    internal const int ResponseOffset = 2;

    private readonly byte[] _request = new byte[DnsLimits.MaxMessageLength];
    private readonly byte[] _name = new byte[DnsLimits.MaxNameLength];
    private readonly byte[] _response = new byte[DnsLimits.MaxMessageLength + ResponseOffset];
    private SocketAddress? _remoteV4;
    private SocketAddress? _remoteV6;

    /// <summary>The parsed query; valid once the pipeline has parsed it.</summary>
    public DnsQuery Query;

    internal int RequestLength { get; set; }

    /// <summary>The query as received.</summary>
    public ReadOnlySpan<byte> Request => _request.AsSpan(0, RequestLength);

    /// <summary>The question name, lowercased wire form.</summary>
    public ReadOnlySpan<byte> QueryName => _name.AsSpan(0, Query.NameLength);

    public DnsTransport Transport { get; internal set; }

    /// <summary>The address the query came from (the resolver, for a recursive client).</summary>
    public NetworkAddress ClientAddress { get; internal set; }

    /// <summary>
    /// The address to route for: the EDNS Client Subnet address when the query carries one (RFC 7871), else
    /// <see cref="ClientAddress"/>. A Client Subnet with SOURCE PREFIX-LENGTH 0 is the resolver opting out of sending
    /// client information (RFC 7871 §7.1.2): the query is routed by <see cref="ClientAddress"/>.
    /// </summary>
    public NetworkAddress RoutingAddress =>
        Query.HasClientSubnet && Query.ClientSubnet.SourcePrefixLength > 0 ? Query.ClientSubnet.Address : ClientAddress;

    /// <summary>
    /// The scope prefix length to echo in the Client Subnet option (RFC 7871 §7.2.1): how much of the client's
    /// address the answer depended on. Handlers that route by address set it; 0 means "valid for everyone". The echo
    /// is 0 whatever this says when the query's SOURCE PREFIX-LENGTH is 0 (RFC 7871 §7.1.2).
    /// </summary>
    public byte ClientSubnetScope { get; set; }

    /// <summary>
    /// The server's own addresses, for a zone's made-up <c>ns1</c>: set by the pipeline before the zones answer; null when
    /// the pipeline is not a server's (a zone then answers with its own).
    /// </summary>
    public NameServerGlue? NameServers { get; internal set; }

    /// <summary>Whether the response says recursion is available (forwarding serves this client).</summary>
    public bool RecursionAvailable { get; set; }

    /// <summary>The EDNS UDP payload size we advertise in responses.</summary>
    public int AdvertisedPayloadSize { get; internal set; } = DnsLimits.DefaultEdnsPayloadSize;

    /// <summary>The largest response this client accepts on this transport.</summary>
    public int MaxResponseLength { get; internal set; }

    /// <summary>The length of the response written, or 0 for none.</summary>
    public int ResponseLength { get; internal set; }

    /// <summary>The response written so far (after <see cref="DnsResponseWriter.Complete"/>, the whole message).</summary>
    public ReadOnlySpan<byte> Response => _response.AsSpan(ResponseOffset, ResponseLength);

    internal Span<byte> ResponseBuffer => _response.AsSpan(ResponseOffset);

    /// <summary>The response with its two-octet TCP length prefix.</summary>
    internal ReadOnlyMemory<byte> FramedResponse
    {
        get
        {
            _response[0] = (byte)(ResponseLength >> 8);
            _response[1] = (byte)ResponseLength;
            return _response.AsMemory(0, ResponseOffset + ResponseLength);
        }
    }

    internal ReadOnlyMemory<byte> ResponseMemory => _response.AsMemory(ResponseOffset, ResponseLength);

    internal byte[] RequestBuffer => _request;

    internal Span<byte> NameBuffer => _name;

    /// <summary>The handler that deferred this query to asynchronous work.</summary>
    internal IDnsHandler? DeferredTo { get; set; }

    internal SocketAddress RemoteSocketAddress(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? _remoteV6 ??= new SocketAddress(AddressFamily.InterNetworkV6)
        : _remoteV4 ??= new SocketAddress(AddressFamily.InterNetwork);

    internal void Reset(int requestLength, DnsTransport transport, NetworkAddress client)
    {
        RequestLength = requestLength;
        Transport = transport;
        ClientAddress = client;
        Query = default;
        ClientSubnetScope = 0;
        RecursionAvailable = false;
        NameServers = null;
        ResponseLength = 0;
        MaxResponseLength = DnsLimits.MaxMessageLength;
        DeferredTo = null;
    }

    /// <summary>Copies the request state of <paramref name="other"/> into this context (deferring work to another context).</summary>
    internal void CopyRequestFrom(DnsRequestContext other)
    {
        other.Request.CopyTo(_request);
        other._name.AsSpan(0, other.Query.NameLength).CopyTo(_name);
        RequestLength = other.RequestLength;
        Transport = other.Transport;
        ClientAddress = other.ClientAddress;
        Query = other.Query;
        ClientSubnetScope = other.ClientSubnetScope;
        RecursionAvailable = other.RecursionAvailable;
        NameServers = other.NameServers;
        MaxResponseLength = other.MaxResponseLength;
        AdvertisedPayloadSize = other.AdvertisedPayloadSize;
        ResponseLength = 0;
        DeferredTo = other.DeferredTo;
    }
}

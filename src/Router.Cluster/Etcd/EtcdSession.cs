using System.Net.Security;
using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Router.Cluster.Etcd;

/// <summary>
/// One connection to one etcd member, on a channel of its own: a failed session is thrown away and the next attempt
/// makes a fresh one, so that no gRPC reconnect back-off stands between etcd answering again and this instance
/// following it. Unary calls go through <see cref="EtcdClient"/>; the watch and keep-alive streams are the raw duplex
/// calls of its connection, whose life the store controls.
/// </summary>
internal sealed class EtcdSession : IDisposable
{
    /// <summary>How long connecting a TCP connection to a member may take.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    private readonly GrpcChannel _channel;

    private EtcdSession(string endpoint, GrpcChannel channel, Metadata headers)
    {
        Endpoint = endpoint;
        _channel = channel;
        Headers = headers;
        Client = new EtcdClient(channel.CreateCallInvoker());
    }

    /// <summary>The member's host and port.</summary>
    public string Endpoint { get; }

    /// <summary>The client over this session's channel.</summary>
    public EtcdClient Client { get; }

    /// <summary>The headers of every call (the auth token, when there is one).</summary>
    public Metadata Headers { get; }

    /// <summary>
    /// Connects to every endpoint at once and keeps the first that answers a linearizable read of
    /// <paramref name="probeKey"/> within <paramref name="timeout"/> (so a member cut off from the quorum does not
    /// count); throws <see cref="EtcdSessionException"/> with every endpoint's reason when none does.
    /// </summary>
    public static async Task<EtcdSession> ConnectAsync(
        EtcdConnectionSettings settings, string probeKey, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var attempts = settings.Endpoints.Select(endpoint => OpenAsync(settings, endpoint, probeKey, timeout, time, race.Token)).ToList();
        var pending = attempts.ToList();
        var failures = new List<(string Endpoint, string Reason)>();
        EtcdSession? winner = null;
        while (pending.Count > 0 && winner is null)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var (session, endpoint, reason) = await done.ConfigureAwait(false);
            if (session is not null)
            {
                winner = session;
            }
            else
            {
                failures.Add((endpoint, reason!));
            }
        }

        await race.CancelAsync().ConfigureAwait(false);
        foreach (var loser in pending)
        {
            (await loser.ConfigureAwait(false)).Session?.Dispose();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return winner ?? throw new EtcdSessionException(
            "etcd unreachable: " + EtcdFailure.Combine(failures), failures.All(failure => EtcdFailure.IsNotListening(failure.Reason)));
    }

    /// <summary>Puts <paramref name="value"/> at <paramref name="key"/> (under <paramref name="lease"/> unless 0).</summary>
    public Task<PutResponse> PutAsync(string key, byte[] value, long lease, CancellationToken cancellationToken) =>
        Client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease },
            Headers, null, cancellationToken);

    /// <summary>A linearizable read of every key under <paramref name="prefix"/>.</summary>
    public Task<RangeResponse> RangeAsync(string prefix, CancellationToken cancellationToken) =>
        Client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = RangeEnd(prefix) }, Headers, null, cancellationToken);

    /// <summary>The raw watch stream; with <c>hasleader</c>, so that etcd cancels it when this member loses its leader.</summary>
    public AsyncDuplexStreamingCall<WatchRequest, WatchResponse> Watch(CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "hasleader", "true" } };
        foreach (var entry in Headers)
        {
            headers.Add(entry);
        }

        return Client.GetConnection().WatchClient.Watch(headers, null, cancellationToken);
    }

    /// <summary>The raw keep-alive stream.</summary>
    public AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KeepAlive(CancellationToken cancellationToken) =>
        Client.GetConnection().LeaseClient.LeaseKeepAlive(Headers, null, cancellationToken);

    /// <summary>The key just past every key that starts with <paramref name="prefix"/> (etcd's prefix range end).</summary>
    public static ByteString RangeEnd(string prefix)
    {
        byte[] end = Encoding.UTF8.GetBytes(prefix);
        for (int i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return ByteString.CopyFrom(end, 0, i + 1);
            }
        }

        return ByteString.CopyFrom(0);
    }

    public void Dispose()
    {
        Client.Dispose();
        _channel.Dispose();
    }

    private static async Task<(EtcdSession? Session, string Endpoint, string? Reason)> OpenAsync(
        EtcdConnectionSettings settings, Uri endpoint, string probeKey, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        string name = endpoint.Authority;
        var channel = CreateChannel(settings, endpoint);
        using var deadline = new CallDeadline(timeout, time, cancellationToken);
        EtcdSession? session = null;
        try
        {
            var headers = new Metadata();
            if (settings.Username is not null)
            {
                var client = new EtcdClient(channel.CreateCallInvoker());
                var auth = await client.AuthenticateAsync(
                    new AuthenticateRequest { Name = settings.Username, Password = settings.Password ?? string.Empty }, null, null, deadline.Token).ConfigureAwait(false);
                headers.Add("token", auth.Token);
            }

            session = new EtcdSession(name, channel, headers);
            await session.Client.GetAsync(
                new RangeRequest { Key = ByteString.CopyFromUtf8(probeKey), CountOnly = true }, headers, null, deadline.Token).ConfigureAwait(false);
            return (session, name, null);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
            if (session is null)
            {
                channel.Dispose();
            }
            else
            {
                session.Dispose();
            }

            return (null, name, deadline.Describe(e));
        }
    }

    private static GrpcChannel CreateChannel(EtcdConnectionSettings settings, Uri endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (endpoint.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => settings.ValidateServerCertificate(certificate, chain, errors),
            };
        }

        return GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxRetryAttempts = 0,
        });
    }
}

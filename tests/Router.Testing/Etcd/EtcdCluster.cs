using System.Globalization;
using System.Net;
using System.Net.Sockets;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Router.Testing.Etcd;

/// <summary>
/// A real 3-member etcd cluster (Debian's <c>etcd</c>, package <c>etcd-server</c>) on a random loopback address of
/// 127.0.0.0/8 with probed free ports, each member with its data directory in one temporary directory, fast raft
/// settings, and waited for (bounded) until it has a leader. Members can be killed, stopped and started again on the
/// same ports and data. Disposing kills every process it started (by PID) and removes the directory.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    /// <summary>How long a cluster (or a restarted member) may take to answer.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private readonly string _etcd;
    private readonly DirectoryInfo _directory;
    private readonly string _initialCluster;
    private readonly string _token;
    private int _disposed;

    private (string User, string Password)? _credentials;

    private EtcdCluster(string etcd, DirectoryInfo directory, IReadOnlyList<EtcdMember> members, string token, EtcdTlsFiles? tls)
    {
        Tls = tls;
        _etcd = etcd;
        _directory = directory;
        Members = members;
        _token = token;
        _initialCluster = string.Join(",", members.Select(member => $"{member.Name}={member.PeerUrl}"));
    }

    /// <summary>The CA and certificate files when the client URLs are https://; null otherwise.</summary>
    public EtcdTlsFiles? Tls { get; }

    /// <summary>The members, in order (index = the member number of <see cref="Kill"/> and friends).</summary>
    public IReadOnlyList<EtcdMember> Members { get; }

    /// <summary>Every member's client URL.</summary>
    public IReadOnlyList<string> ClientUrls => Members.Select(member => member.ClientUrl).ToArray();

    /// <summary>What every member logged, for assertion messages.</summary>
    public string Log => string.Join("\n", Members.Select(member => $"--- {member.Name}\n{member.Log}"));

    /// <summary>
    /// Starts <paramref name="size"/> members and waits until they answer with a leader; with <paramref name="tls"/>,
    /// clients connect with https:// to a certificate of a throwaway CA (<see cref="Tls"/>).
    /// </summary>
    public static async Task<EtcdCluster> StartAsync(int size = 3, bool tls = false)
    {
        string etcd = InstalledProgram.Find("etcd", "etcd-server");
        for (int attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("router-etcd-");
            string address = RandomLoopbackAddress();
            var ports = FreePorts(address, 2 * size);
            var files = tls ? EtcdTlsFiles.Create(directory.FullName, address) : null;
            var members = Enumerable.Range(0, size)
                .Select(i => new EtcdMember($"m{i}", address, ports[2 * i], ports[(2 * i) + 1], Path.Combine(directory.FullName, $"m{i}"), files))
                .ToArray();
            string token = "router-test-" + Guid.NewGuid().ToString("N");
            var cluster = new EtcdCluster(etcd, directory, members, token, files);
            foreach (var member in members)
            {
                member.Launch(etcd, cluster._initialCluster, token);
            }

            if (await cluster.WaitHealthyAsync(StartupTimeout).ConfigureAwait(false))
            {
                return cluster;
            }

            string log = cluster.Log;
            await cluster.DisposeAsync().ConfigureAwait(false);

            // Another process may have taken a probed port before etcd bound it: try other ports.
            if (attempt == 3)
            {
                throw new InvalidOperationException($"etcd did not elect a leader within {StartupTimeout.TotalSeconds} s. Its output:\n{log}");
            }
        }
    }

    /// <summary>SIGKILLs member <paramref name="index"/> and waits until it is gone.</summary>
    public Task KillAsync(int index) => Members[index].SignalAndWaitAsync(ProcessSignals.Kill);

    /// <summary>Stops member <paramref name="index"/> (SIGTERM) and waits until it is gone.</summary>
    public Task StopAsync(int index) => Members[index].SignalAndWaitAsync(ProcessSignals.Terminate);

    /// <summary>Starts member <paramref name="index"/> again, on its ports and data directory (returns at once).</summary>
    public void Start(int index)
    {
        if (!Members[index].IsRunning)
        {
            Members[index].Launch(_etcd, _initialCluster, _token);
        }
    }

    /// <summary>Stops every member.</summary>
    public Task StopAllAsync() => Task.WhenAll(Members.Select((_, i) => StopAsync(i)));

    /// <summary>Starts every member that is stopped (returns at once; see <see cref="WaitHealthyAsync"/>).</summary>
    public void StartAll()
    {
        for (int i = 0; i < Members.Count; i++)
        {
            Start(i);
        }
    }

    /// <summary>Waits until every running member answers and names the same leader; returns whether that happened in time.</summary>
    public Task<bool> WaitHealthyAsync(TimeSpan timeout) =>
        Poll.TryUntilAsync(async () => await LeaderIndexAsync().ConfigureAwait(false) is not null, timeout);

    /// <summary>The index of the leader, by the Maintenance Status of every running member; null when they do not agree on one (or one does not answer).</summary>
    public async Task<int?> LeaderIndexAsync()
    {
        var ids = new Dictionary<ulong, int>();
        ulong? leader = null;
        for (int i = 0; i < Members.Count; i++)
        {
            if (!Members[i].IsRunning)
            {
                continue;
            }

            var status = await TryCallAsync(Members[i], (client, token) => client.StatusAsync(new StatusRequest(), null, null, token), null).ConfigureAwait(false);
            if (status is null || status.Leader == 0 || (leader is not null && leader != status.Leader))
            {
                return null;
            }

            leader = status.Leader;
            ids[status.Header.MemberId] = i;
        }

        return leader is not null && ids.TryGetValue(leader.Value, out int index) ? index : null;
    }

    /// <summary>Writes <paramref name="value"/> (raw bytes, e.g. garbage) at <paramref name="key"/>, under <paramref name="lease"/> unless 0.</summary>
    public Task PutAsync(string key, byte[] value, long lease = 0) =>
        CallAsync((client, token) => client.PutAsync(
            new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease }, null, null, token));

    /// <summary>Writes the UTF-8 text <paramref name="value"/> at <paramref name="key"/>, under <paramref name="lease"/> unless 0.</summary>
    public Task PutAsync(string key, string value, long lease = 0) => PutAsync(key, System.Text.Encoding.UTF8.GetBytes(value), lease);

    /// <summary>The value at <paramref name="key"/> as UTF-8 text, or null when there is none.</summary>
    public async Task<string?> GetAsync(string key)
    {
        var response = await CallAsync((client, token) => client.GetAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, null, null, token)).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : response.Kvs[0].Value.ToStringUtf8();
    }

    /// <summary>Every key under <paramref name="prefix"/>, with its lease.</summary>
    public async Task<IReadOnlyList<(string Key, long Lease)>> KeysAsync(string prefix)
    {
        var response = await CallAsync((client, token) => client.GetAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix)) }, null, null, token)).ConfigureAwait(false);
        return response.Kvs.Select(kv => (kv.Key.ToStringUtf8(), kv.Lease)).ToArray();
    }

    /// <summary>Deletes <paramref name="key"/>.</summary>
    public Task DeleteAsync(string key) =>
        CallAsync((client, token) => client.DeleteAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) }, null, null, token));

    /// <summary>Grants a lease of <paramref name="seconds"/> (not kept alive).</summary>
    public async Task<long> GrantLeaseAsync(int seconds) =>
        (await CallAsync((client, token) => client.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, null, null, token)).ConfigureAwait(false)).ID;

    /// <summary>
    /// Turns authentication on with user <c>root</c> and <paramref name="password"/> (as <c>etcdctl user add root</c>
    /// and <c>etcdctl auth enable</c> do); the harness's own calls authenticate from then on.
    /// </summary>
    public async Task EnableAuthenticationAsync(string password)
    {
        await CallAsync((client, token) => client.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = password }, null, null, token)).ConfigureAwait(false);
        await CallAsync((client, token) => client.RoleAddAsync(new AuthRoleAddRequest { Name = "root" }, null, null, token)).ConfigureAwait(false);
        await CallAsync((client, token) => client.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" }, null, null, token)).ConfigureAwait(false);
        await CallAsync((client, token) => client.AuthEnableAsync(new AuthEnableRequest(), null, null, token)).ConfigureAwait(false);
        _credentials = ("root", password);
    }

    /// <summary>Kills every member and removes the directory; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(Members.Select((_, i) => KillAsync(i))).ConfigureAwait(false);
        }
        finally
        {
            // Bounded: a file the killed processes had open may still be going away.
            await Poll.TryUntilAsync(TryDeleteDirectory, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
    }

    private bool TryDeleteDirectory()
    {
        try
        {
            _directory.Refresh();
            if (_directory.Exists)
            {
                _directory.Delete(recursive: true);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Calls the first running member that answers within the call timeout; throws when none does.</summary>
    private async Task<T> CallAsync<T>(Func<EtcdClient, CancellationToken, Task<T>> call) where T : class
    {
        foreach (var member in Members.Where(member => member.IsRunning))
        {
            var result = await TryCallAsync(member, call, _credentials).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }
        }

        throw new InvalidOperationException($"No etcd member answered within {CallTimeout.TotalSeconds} s.\n{Log}");
    }

    private static async Task<T?> TryCallAsync<T>(
        EtcdMember member, Func<EtcdClient, CancellationToken, Task<T>> call, (string User, string Password)? credentials) where T : class
    {
        // The harness trusts any certificate: what it checks is etcd's state, not its TLS (the store under test does that).
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var channel = GrpcChannel.ForAddress(member.ClientUrl, new GrpcChannelOptions { MaxRetryAttempts = 0, HttpHandler = handler, DisposeHttpClient = true });
        var invoker = channel.CreateCallInvoker();
        using var deadline = new CancellationTokenSource(CallTimeout);
        try
        {
            if (credentials is var (user, password))
            {
                using var login = new EtcdClient(invoker);
                var auth = await login.AuthenticateAsync(new AuthenticateRequest { Name = user, Password = password }, null, null, deadline.Token).ConfigureAwait(false);
                invoker = invoker.Intercept(headers =>
                {
                    headers.Add("token", auth.Token);
                    return headers;
                });
            }

            using var client = new EtcdClient(invoker);
            return await call(client, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException or HttpRequestException)
        {
            return null;
        }
    }

    private static string RandomLoopbackAddress() =>
        string.Create(CultureInfo.InvariantCulture, $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(2, 255)}");

    /// <summary><paramref name="count"/> distinct ports free on <paramref name="address"/> (each bound once and let go).</summary>
    private static int[] FreePorts(string address, int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Parse(address), 0);
                listeners.Add(listener);
                listener.Start();
            }

            return listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }
}

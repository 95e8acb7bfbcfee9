using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Router.TrafficManager.Tests.Monitoring.Batch;

/// <summary>How a <see cref="FakeBatchServer"/> answers.</summary>
internal enum FakeBatchMode
{
    /// <summary>As the contract says: full documents, incremental ones after <c>since</c>, long polls held until a change.</summary>
    Normal,

    /// <summary>Connection refused (the monitor is down).</summary>
    Refuse,

    /// <summary>Status 500 to every request.</summary>
    Error500,

    /// <summary>Long polls answered at once with 304 (a server that ignores <c>wait</c>).</summary>
    IgnoreWait,

    /// <summary>Every request answered with <see cref="FakeBatchServer.RawBody"/> (status 200).</summary>
    Raw,
}

/// <summary>
/// An in-memory batch monitor behind an <see cref="HttpMessageHandler"/>: registries with verdicts, a version that grows
/// with every change, and the <c>since</c>/<c>wait</c>/<c>If-None-Match</c> rules of the batch endpoint. Counts requests
/// per host. Long polls are held until a change or the end of their wait, on the given clock.
/// </summary>
internal sealed class FakeBatchServer(TimeProvider clock) : HttpMessageHandler
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (bool Healthy, long Changed)> _verdicts = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];
    private readonly List<TaskCompletionSource> _held = [];
    private long _version = 1000;

    public FakeBatchMode Mode { get; set; } = FakeBatchMode.Normal;

    /// <summary>The body of <see cref="FakeBatchMode.Raw"/> answers.</summary>
    public byte[] RawBody { get; set; } = [];

    /// <summary>Whether <see cref="FakeBatchMode.Raw"/> answers say their <c>Content-Length</c>.</summary>
    public bool RawWithLength { get; set; } = true;

    public string Region { get; set; } = "eastus";

    /// <summary>Every request's URL, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Long polls held now.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    public int RequestsTo(string host) => Requests.Count(r => new Uri(r).Host == host);

    /// <summary>Sets a registry's verdict; a change grows the version and releases held long polls.</summary>
    public void Set(string registry, bool healthy)
    {
        TaskCompletionSource[] release;
        lock (_lock)
        {
            if (_verdicts.TryGetValue(registry, out var old) && old.Healthy == healthy)
            {
                return;
            }

            _verdicts[registry] = (healthy, ++_version);
            release = [.. _held];
            _held.Clear();
        }

        foreach (var held in release)
        {
            held.TrySetResult();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query);
        long? since = query["since"] is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : null;
        double? wait = query["wait"] is { } w ? double.Parse(w, CultureInfo.InvariantCulture) : null;
        TaskCompletionSource? hold = null;
        lock (_lock)
        {
            _requests.Add(request.RequestUri.ToString());
            if (Mode == FakeBatchMode.Normal && since == _version && wait is not null)
            {
                hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Add(hold);
            }
        }

        switch (Mode)
        {
            case FakeBatchMode.Refuse:
                throw new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused));
            case FakeBatchMode.Error500:
                return new HttpResponseMessage(HttpStatusCode.InternalServerError);
            case FakeBatchMode.Raw:
                return RawResponse();
            case FakeBatchMode.IgnoreWait when since is not null:
                return NotModified();
        }

        if (hold is not null)
        {
            try
            {
                // Held until a change or the end of the wait (virtual time), as the batch endpoint does.
                await Task.WhenAny(hold.Task, Task.Delay(TimeSpan.FromSeconds(wait!.Value), clock, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                lock (_lock)
                {
                    _held.Remove(hold);
                }
            }
        }

        return Document(since);
    }

    private HttpResponseMessage NotModified()
    {
        var response = new HttpResponseMessage(HttpStatusCode.NotModified);
        lock (_lock)
        {
            response.Headers.ETag = new EntityTagHeaderValue(string.Create(CultureInfo.InvariantCulture, $"\"{_version}\""));
        }

        return response;
    }

    private HttpResponseMessage RawResponse()
    {
        var content = RawWithLength ? (HttpContent)new ByteArrayContent(RawBody) : new StreamContent(new UnknownLengthStream(RawBody));
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private HttpResponseMessage Document(long? since)
    {
        var json = new StringBuilder();
        lock (_lock)
        {
            bool complete = since is null || since > _version;
            json.Append(CultureInfo.InvariantCulture, $"{{\"region\":\"{Region}\",\"version\":{_version},\"complete\":{(complete ? "true" : "false")},\"registries\":[");
            bool first = true;
            foreach (var (name, (healthy, changed)) in _verdicts)
            {
                if (!complete && changed <= since)
                {
                    continue;
                }

                json.Append(first ? "" : ",").Append(CultureInfo.InvariantCulture,
                    $"{{\"name\":\"{name}\",\"status\":\"{(healthy ? "Healthy" : "Unhealthy")}\",\"failOpen\":false{(healthy ? "" : ",\"reason\":\"storage is Unhealthy\"")}}}");
                first = false;
            }

            json.Append("]}");
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json.ToString(), Encoding.UTF8, "application/json") };
    }

    /// <summary>A body without a length (chunked on the wire).</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Testing;
using Mvccpb;
using Router.Cluster.Etcd;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Tests.Etcd;

public sealed class ClusterStateTableTests
{
    private const string Prefix = "/router/";
    private const string Member = """{"instanceId":"a","leaseSeconds":10,"registeredAt":"2026-01-01T00:00:00Z","address":null}""";
    private const string View = """{"instanceId":"a","publishedAt":"2026-01-01T00:00:00Z","endpoints":[{"profile":"p","endpoint":"e","status":"Degraded","consecutiveFailures":3,"lastProbeSucceeded":false,"lastProbeError":"timeout","lastProbeAt":null}]}""";

    private readonly FakeLogger _logger = new();

    [Fact]
    public void Load_MemberViewAndSetting_AreInTheSnapshot()
    {
        var table = new ClusterStateTable(Prefix, _logger);

        table.Load([Kv("members/a", Member, lease: 7), Kv("views/a", View, lease: 7), Kv("settings/p/e", Setting("p", "e"))], 42);
        var snapshot = table.Build(DateTimeOffset.UnixEpoch);

        Assert.Equal(ClusterStoreState.Connected, snapshot.State);
        Assert.Equal(7, Assert.Single(snapshot.Members).LeaseId);
        Assert.Equal(3, snapshot.Views["a"].Endpoints[0].ConsecutiveFailures);
        Assert.Equal("e", Assert.Single(snapshot.Settings).Endpoint);
        Assert.Equal(42, snapshot.Revision);
        Assert.Empty(_logger.Collector.GetSnapshot());
    }

    [Theory]
    [InlineData("views/a", """{"instanceId":"a","publishedAt":"2026-01-01T00:00:00Z","endpoints":null}""")]
    [InlineData("views/a", """{"instanceId":"a","publishedAt":"2026-01-01T00:00:00Z","endpoints":[null]}""")]
    [InlineData("views/a", """{"instanceId":"a","publishedAt":"2026-01-01T00:00:00Z","endpoints":[{"profile":"p","endpoint":"e","status":"Sideways","consecutiveFailures":0,"lastProbeSucceeded":null,"lastProbeError":null,"lastProbeAt":null}]}""")]
    [InlineData("views/a", """{"instanceId":"a","publishedAt":"2026-01-01T00:00:00Z","endpoints":[{"profile":"p","endpoint":"e","status":99,"consecutiveFailures":0,"lastProbeSucceeded":null,"lastProbeError":null,"lastProbeAt":null}]}""")]
    [InlineData("views/a", "[]")]
    [InlineData("views/a", "")]
    [InlineData("members/a", """{"instanceId":"b","leaseSeconds":10,"registeredAt":"2026-01-01T00:00:00Z","address":null}""")]
    [InlineData("members/a", "null")]
    [InlineData("members/a", """{"instanceId":"a","leaseSeconds":99999999999,"registeredAt":"2026-01-01T00:00:00Z","address":null}""")]
    [InlineData("members/a", """{"instanceId":"a","leaseSeconds":10,"registeredAt":"yesterday","address":null}""")]
    [InlineData("views/a", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")]
    [InlineData("settings/p/e", """{"profile":"p","endpoint":"e","enabled":"yes","changedAt":"2026-01-01T00:00:00Z","changedBy":"a","configEnabled":null}""")]
    [InlineData("settings/p/e", """{"profile":"p","endpoint":"e","enabled":true,"changedAt":"2026-01-01T00:00:00Z","changedBy":null,"configEnabled":null}""")]
    [InlineData("settings/p", "{}")]
    [InlineData("settings/p/e/x", "{}")]
    [InlineData("members/", "{}")]
    [InlineData("members/a b", "{}")]
    [InlineData("other", "{}")]
    public void Load_BadData_IsLeftOutAndLoggedOnce(string key, string value)
    {
        var table = new ClusterStateTable(Prefix, _logger);
        var bad = Kv(key, value, lease: 7, revision: 9);
        KeyValue[] values = key == "members/a" ? [bad] : [Kv("members/a", Member, lease: 7), bad];

        table.Load(values, 42);
        var snapshot = table.Build(DateTimeOffset.UnixEpoch);
        table.Load(values, 43);
        table.Build(DateTimeOffset.UnixEpoch);

        Assert.True(snapshot.Members.Count <= 1);
        Assert.Empty(snapshot.Views);
        Assert.Empty(snapshot.Settings);
        var record = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal("StoreDataIgnored", record.Id.Name);
        Assert.Contains(Prefix + key + " (revision 9)", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ViewOfAnInstanceThatIsNotLive_IsLeftOutAndLoggedOncePerRevision()
    {
        var table = new ClusterStateTable(Prefix, _logger);
        table.Load([Kv("views/a", View, lease: 7, revision: 5)], 5);

        Assert.Empty(table.Build(DateTimeOffset.UnixEpoch).Views);
        Assert.Empty(table.Build(DateTimeOffset.UnixEpoch).Views);
        Assert.Single(_logger.Collector.GetSnapshot());

        // The member arrives: the view counts.
        table.Apply(new Event { Type = Event.Types.EventType.Put, Kv = Kv("members/a", Member, lease: 7, revision: 6) });
        Assert.True(table.Build(DateTimeOffset.UnixEpoch).Views.ContainsKey("a"));

        // The member goes: left out again, and logged again only for a new revision of the view.
        table.Apply(new Event { Type = Event.Types.EventType.Delete, Kv = new KeyValue { Key = ByteString.CopyFromUtf8(Prefix + "members/a"), ModRevision = 7 } });
        Assert.Empty(table.Build(DateTimeOffset.UnixEpoch).Views);
        Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(7, table.Revision);
    }

    [Fact]
    public void SettingKey_NamesWithSlashes_RoundTrip()
    {
        string key = ClusterKey.Setting(Prefix, "a/b", "c d/é");

        var parsed = ClusterKey.Parse(Prefix, key);

        Assert.Equal(new ClusterKey(ClusterKeyKind.Setting, "a/b", "c d/é"), parsed);
        Assert.Equal(ClusterKeyKind.Unknown, ClusterKey.Parse(Prefix, "/elsewhere/members/a").Kind);
    }

    private static string Setting(string profile, string endpoint) =>
        $$"""{"profile":"{{profile}}","endpoint":"{{endpoint}}","enabled":false,"changedAt":"2026-01-01T00:00:00Z","changedBy":"a","configEnabled":true}""";

    private static KeyValue Kv(string key, string value, long lease = 0, long revision = 1) => new()
    {
        Key = ByteString.CopyFromUtf8(Prefix + key),
        Value = ByteString.CopyFrom(Encoding.UTF8.GetBytes(value)),
        Lease = lease,
        ModRevision = revision,
    };
}

using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Dns.Server.Forwarding;
using Router.Dns.Server.Tests.Infrastructure;

namespace Router.Dns.Server.Tests.Forwarding;

/// <summary>
/// <see cref="UpstreamResolver"/> against scripted upstreams on loopback: anti-spoofing (RFC 5452 §9.1: only an
/// answer whose ID and question match counts), TCP after a truncated UDP answer, failover.
/// </summary>
public sealed class UpstreamResolverTests : IDisposable
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(15);
    private static readonly DnsQuestion Question = new(DnsName.Parse("www.spoof.test"), DnsRecordType.A);

    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public UpstreamResolverTests()
    {
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Debug));
    }

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task QueryAsync_SpoofedAnswersBeforeTheRightOne_ReturnsTheRightOne()
    {
        // Arrange: before the real answer, the "upstream" sends what an off-path attacker would.
        await using var upstream = new FakeUpstream(query =>
        {
            var wrongId = FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.66"));
            wrongId.Id = (ushort)(query.Id ^ 0x5A5A);
            var wrongName = new DnsMessage { Id = query.Id, IsResponse = true };
            wrongName.Questions.Add(new DnsQuestion(DnsName.Parse("www.evil.test"), DnsRecordType.A));
            wrongName.Answers.Add(new DnsRecord(DnsName.Parse("www.evil.test"), DnsRecordType.A, DnsClass.IN, 60, new AddressRecordData(IPAddress.Parse("192.0.2.67"))));
            var wrongType = new DnsMessage { Id = query.Id, IsResponse = true };
            wrongType.Questions.Add(new DnsQuestion(query.Questions[0].Name, DnsRecordType.AAAA));
            var notAResponse = FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.68"));
            notAResponse.IsResponse = false;
            byte[] garbage = [(byte)(query.Id >> 8), (byte)query.Id, 0x81, 0x80, 0xFF, 0xFF];
            return
            [
                wrongId.ToArray(),
                wrongName.ToArray(),
                wrongType.ToArray(),
                notAResponse.ToArray(),
                garbage,
                FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.3")).ToArray(),
            ];
        });
        var resolver = Resolver([upstream.EndPoint], attempts: 1);

        // Act
        var response = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None).AsTask().WaitAsync(TestDeadline);

        // Assert
        Assert.NotNull(response);
        var answer = Assert.Single(response.Answers);
        Assert.Equal("192.0.2.3", ((AddressRecordData)answer.Data).Address.ToString());
        Assert.Equal(1, upstream.UdpQueries);
        Assert.Equal(5, _logs.GetSnapshot().Count(e => e.Id.Name == "UpstreamSpoofedResponse"));
    }

    [Fact]
    public async Task QueryAsync_UdpAnswerTruncated_RetriesOverTcpOnTheSamePort()
    {
        // Arrange
        await using var upstream = new FakeUpstream(
            query =>
            {
                var truncated = FakeUpstream.Answer(query);
                truncated.IsTruncated = true;
                return [truncated.ToArray()];
            },
            query => FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.1"), FakeUpstream.A(query, "192.0.2.2"), FakeUpstream.A(query, "192.0.2.3")).ToArray());
        var resolver = Resolver([upstream.EndPoint], attempts: 1);

        // Act
        var response = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None).AsTask().WaitAsync(TestDeadline);

        // Assert
        Assert.NotNull(response);
        Assert.False(response.IsTruncated);
        Assert.Equal(3, response.Answers.Count);
        Assert.Equal((1, 1), (upstream.UdpQueries, upstream.TcpQueries));
    }

    [Fact]
    public async Task QueryAsync_TcpAnswerDoesNotMatch_NextAttemptUsed()
    {
        // Arrange: the first upstream truncates over UDP and then answers another question over TCP.
        await using var broken = new FakeUpstream(
            query =>
            {
                var truncated = FakeUpstream.Answer(query);
                truncated.IsTruncated = true;
                return [truncated.ToArray()];
            },
            query =>
            {
                var other = FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.66"));
                other.Id = (ushort)(query.Id + 1);
                return other.ToArray();
            });
        await using var good = new FakeUpstream(query => [FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.4")).ToArray()]);
        var resolver = Resolver([broken.EndPoint, good.EndPoint], attempts: 2);

        // Act
        var response = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None).AsTask().WaitAsync(TestDeadline);

        // Assert
        Assert.NotNull(response);
        Assert.Equal("192.0.2.4", ((AddressRecordData)Assert.Single(response.Answers).Data).Address.ToString());
        Assert.Equal(1, broken.TcpQueries);
        Assert.Contains(_logs.GetSnapshot(), e => e.Id.Name == "UpstreamFailed");
    }

    [Fact]
    public async Task QueryAsync_FirstUpstreamServFail_SecondUpstreamAnswers()
    {
        // Arrange
        await using var failing = new FakeUpstream(query =>
        {
            var servFail = FakeUpstream.Answer(query);
            servFail.ResponseCode = DnsResponseCode.ServerFailure;
            return [servFail.ToArray()];
        });
        await using var good = new FakeUpstream(query => [FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.5")).ToArray()]);
        var resolver = Resolver([failing.EndPoint, good.EndPoint], attempts: 2);

        // Act
        var first = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None).AsTask().WaitAsync(TestDeadline);
        var second = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None).AsTask().WaitAsync(TestDeadline);

        // Assert: the one that answered becomes the preferred upstream.
        Assert.Equal(DnsResponseCode.NoError, first?.ResponseCode);
        Assert.Equal(DnsResponseCode.NoError, second?.ResponseCode);
        Assert.Equal((1, 2), (failing.UdpQueries, good.UdpQueries));
    }

    [Fact]
    public async Task QueryAsync_EveryAttemptServFail_ReturnsTheLastServFail()
    {
        // Arrange
        await using var failing = new FakeUpstream(query =>
        {
            var servFail = FakeUpstream.Answer(query);
            servFail.ResponseCode = DnsResponseCode.ServerFailure;
            return [servFail.ToArray()];
        });
        var resolver = Resolver([failing.EndPoint], attempts: 3);

        // Act
        var response = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None).AsTask().WaitAsync(TestDeadline);

        // Assert
        Assert.Equal(DnsResponseCode.ServerFailure, response?.ResponseCode);
        Assert.Equal(3, failing.UdpQueries);
    }

    [Fact]
    public async Task QueryAsync_NoUpstreams_Null()
    {
        // Arrange
        var resolver = Resolver([], attempts: 2);

        // Act
        var response = await resolver.QueryAsync(Question, checkingDisabled: false, CancellationToken.None);

        // Assert
        Assert.Null(response);
    }

    [Fact]
    public async Task QueryAsync_QuerySent_FreshIdRecursionDesiredEdnsAndNoClientSubnet()
    {
        // Arrange
        var seen = new List<DnsMessage>();
        await using var upstream = new FakeUpstream(query =>
        {
            lock (seen)
            {
                seen.Add(query);
            }

            return [FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.9")).ToArray()];
        });
        var resolver = Resolver([upstream.EndPoint], attempts: 1);

        // Act
        for (int i = 0; i < 4; i++)
        {
            await resolver.QueryAsync(Question, checkingDisabled: true, CancellationToken.None).AsTask().WaitAsync(TestDeadline);
        }

        // Assert
        Assert.Equal(4, seen.Count);
        Assert.All(seen, q =>
        {
            Assert.True(q.RecursionDesired);
            Assert.True(q.CheckingDisabled);
            Assert.NotNull(q.Edns);
            Assert.Equal(1232, q.Edns.UdpPayloadSize);
            Assert.Null(q.Edns.ClientSubnet);
            Assert.Equal(Question, Assert.Single(q.Questions));
        });
        Assert.True(seen.Select(q => q.Id).Distinct().Count() > 1, "Every query should get a random ID.");
    }

    private UpstreamResolver Resolver(IReadOnlyList<IPEndPoint> upstreams, int attempts) =>
        new(upstreams, TimeSpan.FromSeconds(3), attempts, TimeProvider.System, _loggerFactory.CreateLogger<UpstreamResolver>());
}

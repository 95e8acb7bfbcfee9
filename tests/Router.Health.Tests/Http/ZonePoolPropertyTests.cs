using System.Net;
using System.Text.Json;
using CsCheck;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Http;

/// <summary>
/// Zone pools over random histories of each instance's outcomes (success, failure, inconclusive runs that go stale):
/// <c>GET /health/registries/{name}</c>, read from pre-encoded readings per staleness window, and the batch document
/// must say exactly what <see cref="RegistryEvaluator.Evaluate"/> says from the states (status code, status, failOpen,
/// reason, <c>degradedZones</c>; the batch document all but the reason), for a registry on one pool and one with the
/// <c>Zones</c> rule over two.
/// A failing case prints its seed; pass it to <c>SampleAsync(seed: …)</c> to replay.
/// </summary>
public sealed class ZonePoolPropertyTests
{
    private static readonly string[] CheckIds = ["sa-z1", "sa-z2", "sa-z3", "fe-z1", "fe-z2", "fe-z3", "cache"];

    private static readonly string[] RegistryNames = ["contoso", "pull"];

    private static readonly Gen<char> Outcome = Gen.Frequency((5, Gen.Const('S')), (4, Gen.Const('F')), (2, Gen.Const('I')));

    private static readonly Gen<(char[] Outcomes, int Intervals)> Steps = Gen.Select(Outcome.Array[CheckIds.Length], Gen.Int[1, 4]);

    [Fact]
    public async Task GetRegistryAndBatch_RandomHistories_AnswerIsTheEvaluatorsVerdict()
    {
        await Steps.Array[1, 10].SampleAsync(async steps =>
        {
            // Arrange: stale after 3 intervals, so runs of inconclusive results reach it.
            var options = TestOptions.With(
                [TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3"), TestOptions.Pool("fe", ResourceKind.Container, 1, "1", "2", "3"),
                 TestOptions.Resource("cache", ResourceKind.Cache)],
                [
                    new RegistryOptions { Name = "contoso", Storage = "sa", Cache = "cache" },
                    new RegistryOptions { Name = "pull", Storage = "sa", Container = "fe", Zones = ["1", "2", "3"] },
                ]);
            options.Evaluation.StaleAfterSeconds = 3 * options.Evaluation.IntervalSeconds;
            await using var harness = await HealthServerHarness.StartAsync(options);
            await harness.Monitor.StartAsync();

            foreach (var (outcomes, intervals) in steps)
            {
                // Act
                for (int c = 0; c < CheckIds.Length; c++)
                {
                    var check = harness.Monitor.Check(CheckIds[c]);
                    switch (outcomes[c])
                    {
                        case 'S': check.Succeed(); break;
                        case 'F': check.Fail($"{CheckIds[c]} failed"); break;
                        default: check.BeInconclusive(); break;
                    }
                }

                await harness.Monitor.RunIntervalsAsync(intervals);
                var (_, batch) = await harness.GetJsonAsync("/health/registries");

                // Assert
                for (int r = 0; r < RegistryNames.Length; r++)
                {
                    var expected = harness.Monitor.Verdict(RegistryNames[r]);
                    var (response, body) = await harness.GetJsonAsync($"/health/registries/{RegistryNames[r]}");
                    Assert.Equal(expected, Read(body));
                    Assert.Equal(expected.Status == HealthState.Unhealthy ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode);
                    // The batch document's version moves with (status, failOpen, degradedZones), not with the words of its
                    // reason, so a full document built earlier in the same version may give an older reason.
                    Assert.Equal(expected with { Reason = null }, Read(batch.GetProperty("registries")[r]) with { Reason = null });
                }
            }
        }, iter: 25, threads: 1, print: steps => string.Join(" | ", steps.Select(s => $"{new string(s.Outcomes)} x{s.Intervals}")));
    }

    /// <summary>A verdict as a body (or a batch entry) says it; zones 1, 2, 3 are bits 0, 1, 2.</summary>
    private static RegistryVerdict Read(JsonElement body)
    {
        ulong lost = 0;
        if (body.TryGetProperty("degradedZones", out var zones))
        {
            foreach (var zone in zones.EnumerateArray())
            {
                lost |= 1UL << (int.Parse(zone.GetString()!, System.Globalization.CultureInfo.InvariantCulture) - 1);
            }
        }

        string? reason = body.TryGetProperty("reason", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
        return new RegistryVerdict(Enum.Parse<HealthState>(body.GetProperty("status").GetString()!), body.GetProperty("failOpen").GetBoolean(), reason, lost);
    }
}

using System.Net;
using System.Text.Json;
using CsCheck;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Http;

/// <summary>
/// The health endpoint answers from pre-encoded per-resource JSON, the evaluator from resource states: over random
/// histories of check outcomes, intervals and kill-switch settings, <c>GET /health/registries/{name}</c> over HTTP
/// must say exactly what <see cref="RegistryEvaluator.Evaluate"/> says (status code, status, failOpen, reason).
/// A failing case prints its seed; pass it to <c>SampleAsync(seed: …)</c> to replay.
/// </summary>
public sealed class HealthEndpointsPropertyTests
{
    private static readonly string[] ResourceIds = ["sa-1", "sa-2", "cache", "auth", "api", "meta"];

    private static readonly string[] RegistryNames = ["contoso", "fabrikam"];

    /// <summary>Each resource's outcome from now on: success, failure, or inconclusive (long runs of it go stale).</summary>
    private static readonly Gen<char> Outcome = Gen.Frequency((5, Gen.Const('S')), (4, Gen.Const('F')), (2, Gen.Const('I')));

    private static readonly Gen<Step> Steps = Gen.Select(
        Outcome.Array[ResourceIds.Length],
        Gen.Int[1, 4],
        Gen.Frequency((6, Gen.Const(DeepEvaluationMode.Enabled)), (1, Gen.Const(DeepEvaluationMode.Disabled))),
        Gen.Frequency((6, Gen.Const(DeepEvaluationMode.Enabled)), (1, Gen.Const(DeepEvaluationMode.Disabled))))
        .Select(t => new Step(t.Item1, t.Item2, t.Item3, t.Item4));

    [Fact]
    public async Task GetRegistry_RandomHistories_HttpAnswerIsTheEvaluatorsVerdict()
    {
        await Steps.Array[1, 10].SampleAsync(async steps =>
        {
            // Arrange: stale after 3 intervals, so runs of inconclusive results reach it.
            var options = Options(DeepEvaluationMode.Enabled, DeepEvaluationMode.Enabled);
            await using var harness = await HealthServerHarness.StartAsync(options);
            await harness.Monitor.StartAsync();

            foreach (var step in steps)
            {
                // Act
                for (int r = 0; r < ResourceIds.Length; r++)
                {
                    var check = harness.Monitor.Check(ResourceIds[r]);
                    switch (step.Outcomes[r])
                    {
                        case 'S': check.Succeed(); break;
                        case 'F': check.Fail($"{ResourceIds[r]} failed"); break;
                        default: check.BeInconclusive(); break;
                    }
                }

                if (harness.Monitor.Options.DeepEvaluation != step.Global
                    || harness.Monitor.Options.Registries[1].DeepEvaluation != step.Fabrikam)
                {
                    await harness.Monitor.ApplyAsync(Options(step.Global, step.Fabrikam));
                }

                await harness.Monitor.RunIntervalsAsync(step.Intervals);

                // Assert
                foreach (string registry in RegistryNames)
                {
                    var expected = harness.Monitor.Verdict(registry);
                    var (response, body) = await harness.GetJsonAsync($"/health/registries/{registry}");
                    var reason = body.GetProperty("reason");
                    var actual = new RegistryVerdict(
                        Enum.Parse<HealthState>(body.GetProperty("status").GetString()!),
                        body.GetProperty("failOpen").GetBoolean(),
                        reason.ValueKind == JsonValueKind.Null ? null : reason.GetString());
                    Assert.Equal(expected, actual);
                    Assert.Equal(expected.Status == HealthState.Unhealthy ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode);
                }
            }
        }, iter: 25, threads: 1, print: steps => string.Join(" | ", steps.Select(s => s.ToString())));
    }

    private static HealthOptions Options(DeepEvaluationMode global, DeepEvaluationMode fabrikam)
    {
        var options = TestOptions.ContosoAndFabrikam();
        options.Evaluation.StaleAfterSeconds = 3 * options.Evaluation.IntervalSeconds;
        options.DeepEvaluation = global;
        options.Registries[1].DeepEvaluation = fabrikam;
        return options;
    }

    private sealed record Step(char[] Outcomes, int Intervals, DeepEvaluationMode Global, DeepEvaluationMode Fabrikam)
    {
        public override string ToString() => $"{new string(Outcomes)} x{Intervals} global={Global} fabrikam={Fabrikam}";
    }
}

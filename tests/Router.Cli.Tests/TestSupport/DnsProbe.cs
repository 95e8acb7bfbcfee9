using System.Net;
using DnsClient;
using Router.Testing;
using Xunit.Sdk;

namespace Router.Cli.Tests.TestSupport;

/// <summary>
/// A queries to a loopback server with DnsClient, in-process (<see cref="LoopbackDnsClient"/>): for waits and bounds
/// that should measure the router, not the start of a <c>dig</c> process.
/// </summary>
internal static class DnsProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The addresses of the A records in the answer to <paramref name="name"/>; fails the test when none comes.</summary>
    public static async Task<IReadOnlyList<string>> QueryAAsync(IPEndPoint server, string name)
    {
        try
        {
            var response = await LoopbackDnsClient.QueryAsync(server, name, QueryType.A, timeout: Timeout).ConfigureAwait(false);
            return [.. response.Answers.ARecords().Select(a => a.Address.ToString())];
        }
        catch (DnsResponseException ex)
        {
            throw new XunitException($"no answer from {server} for {name} within {Timeout.TotalSeconds} s: {ex.Message}");
        }
    }

    /// <summary>
    /// Asks every 100 ms until the answer to <paramref name="name"/> is <paramref name="expected"/> alone; fails after
    /// <paramref name="timeout"/> or as soon as <paramref name="router"/> exits.
    /// </summary>
    public static async Task WaitForAnswerAsync(IPEndPoint server, string name, string expected, RouterProcess router, TimeSpan timeout)
    {
        long started = TimeProvider.System.GetTimestamp();
        string last = "(not asked)";
        while (TimeProvider.System.GetElapsedTime(started) < timeout && !router.HasExited)
        {
            try
            {
                var response = await LoopbackDnsClient.QueryAsync(server, name, QueryType.A).ConfigureAwait(false);
                if (LoopbackDnsClient.Addresses(response).SequenceEqual([expected]))
                {
                    return;
                }

                last = LoopbackDnsClient.Describe(response);
            }
            catch (DnsResponseException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new XunitException(
            $"{name} did not answer {expected} on {server} within {timeout.TotalSeconds:0.#} s; last:{Environment.NewLine}{last}{Environment.NewLine}{router.Describe()}");
    }
}

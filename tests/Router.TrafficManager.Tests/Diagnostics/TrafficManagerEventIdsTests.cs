using System.Reflection;
using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Tests.Diagnostics;

/// <summary><see cref="TrafficManagerEventIds"/> is the one event-ID file of Router.TrafficManager.</summary>
public sealed class TrafficManagerEventIdsTests
{
    private static readonly IReadOnlyDictionary<string, int> Ids = typeof(TrafficManagerEventIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

    [Fact]
    public void Ids_All_UniqueAndInTheAssemblysRange()
    {
        Assert.Equal(Ids.Count, Ids.Values.Distinct().Count());
        Assert.All(Ids.Values, id => Assert.InRange(id, 3000, 3999));
    }

    [Fact]
    public void LoggerMessages_EveryOneInTheAssembly_UsesAnIdAndNameFromTheFile()
    {
        // Arrange: every [LoggerMessage] method of Router.TrafficManager
        var messages = typeof(TrafficManagerEventIds).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        // Assert
        Assert.NotEmpty(messages);
        Assert.All(messages, x =>
        {
            Assert.True(Ids.TryGetValue(x.Attribute!.EventName!, out int id), $"{x.Method.DeclaringType}.{x.Method.Name}: event name {x.Attribute.EventName} is not in the file");
            Assert.Equal(id, x.Attribute.EventId);
        });
        Assert.Equal(Ids.Count, messages.Select(x => x.Attribute!.EventId).Distinct().Count());
    }

    [Theory]
    [InlineData(nameof(TrafficManagerEventIds.EndpointStatusChanged), 3000)]
    [InlineData(nameof(TrafficManagerEventIds.TargetsApplied), 3022)]
    [InlineData(nameof(TrafficManagerEventIds.AdminListening), 3400)]
    [InlineData(nameof(TrafficManagerEventIds.RequestFailed), 3420)]
    [InlineData(nameof(TrafficManagerEventIds.TrafficManagerStarted), 3600)]
    [InlineData(nameof(TrafficManagerEventIds.AnswerChanged), 3607)]
    [InlineData(nameof(TrafficManagerEventIds.AnswerReportFailed), 3608)]
    public void Ids_LogContract_NumbersUnchanged(string name, int id) => Assert.Equal(id, Ids[name]);
}

using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Geo;

/// <summary>The country database's log events (IDs in <see cref="TrafficManagerEventIds"/>).</summary>
internal sealed partial class GeoDatabase
{
    private static partial class Log
    {
        [LoggerMessage(EventId = TrafficManagerEventIds.GeoDatabaseLoaded, EventName = nameof(TrafficManagerEventIds.GeoDatabaseLoaded), Level = LogLevel.Information,
            Message = "Country database {Path} in force: {Description}, {Networks} networks in {Ranges} ranges.")]
        public static partial void Loaded(ILogger logger, string path, string description, int networks, int ranges);

        [LoggerMessage(EventId = TrafficManagerEventIds.GeoDatabaseLoadFailed, EventName = nameof(TrafficManagerEventIds.GeoDatabaseLoadFailed), Level = LogLevel.Error,
            Message = "Country database {Path} cannot be read ({Reason}); {Kept}.")]
        public static partial void LoadFailed(ILogger logger, string path, string reason, string kept);

        [LoggerMessage(EventId = TrafficManagerEventIds.GeoDatabaseCleared, EventName = nameof(TrafficManagerEventIds.GeoDatabaseCleared), Level = LogLevel.Information,
            Message = "No country database is configured: Geographic profiles place no client.")]
        public static partial void Cleared(ILogger logger);
    }
}

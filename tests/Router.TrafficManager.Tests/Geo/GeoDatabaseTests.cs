using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Router.Dns;
using Router.Testing.Geo;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Geo;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Geo;

/// <summary>
/// The country database read from real MaxMind DB files (written by <c>write-country-mmdb.pl</c> with Debian's
/// <c>libmaxmind-db-writer-perl</c>), and <see cref="GeoDatabase"/> reloading it when the file changes, in virtual time.
/// </summary>
public sealed class GeoDatabaseTests : IDisposable
{
    private static readonly CountryNetwork[] Networks =
    [
        new("10.1.0.0/16", "DE", "EU"),
        new("10.2.0.0/16", "FR", "EU"),
        new("10.3.0.0/16", "US", "NA"),
        new("10.4.0.0/16", null, "EU"),
        new("2001:db8:1::/48", "JP", "AS"),
    ];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("router-geo-");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly FakeLogger _logger = new();
    private int _writes;

    public void Dispose() => _directory.Delete(recursive: true);

    private string DatabasePath => Path.Combine(_directory.FullName, "country.mmdb");

    /// <summary>Writes the database and gives it a modification time of its own, as a later edit would have.</summary>
    private void Write(params CountryNetwork[] networks)
    {
        CountryDatabase.Write(DatabasePath, networks);
        File.SetLastWriteTimeUtc(DatabasePath, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++_writes));
    }

    private void WriteGarbage(byte[] content)
    {
        File.WriteAllBytes(DatabasePath, content);
        File.SetLastWriteTimeUtc(DatabasePath, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++_writes));
    }

    private static string? CountryOf(GeoTable table, string address) =>
        table.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse(address))).CountryCode;

    [Fact]
    public void TryRead_GeneratedDatabase_EveryNetworkPlaced()
    {
        // Arrange
        Write(Networks);

        // Act
        bool read = GeoDatabaseFile.TryRead(DatabasePath, out var table, out string? error);

        // Assert
        Assert.True(read, error);
        Assert.Equal("DE", CountryOf(table!, "10.1.200.3"));
        Assert.Equal("FR", CountryOf(table!, "10.2.0.1"));
        Assert.Equal("US", CountryOf(table!, "10.3.0.1"));
        Assert.Equal("JP", CountryOf(table!, "2001:db8:1:ff::1"));
        var european = table!.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse("10.4.0.1")));
        Assert.Equal((null, "EU", (byte)16), (european.CountryCode, european.ContinentCode, european.Scope));
        Assert.False(table.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse("192.0.2.1"))).IsKnown);
        Assert.StartsWith("GeoLite2-Country built ", table.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    public void TryRead_GarbageFile_FalseWithReason(byte[] content)
    {
        // Arrange
        WriteGarbage(content);

        // Act
        bool read = GeoDatabaseFile.TryRead(DatabasePath, out var table, out string? error);
        bool checkedOk = GeoDatabaseFile.TryCheck(DatabasePath, out string? checkError);

        // Assert
        Assert.False(read);
        Assert.Null(table);
        Assert.StartsWith("not a MaxMind DB country database", error, StringComparison.Ordinal);
        Assert.False(checkedOk);
        Assert.Equal(error, checkError);
    }

    [Fact]
    public void TryRead_TruncatedDatabase_FalseNotAThrow()
    {
        // Arrange: the first half of a real database, as a copy interrupted midway leaves it.
        Write(Networks);
        byte[] whole = File.ReadAllBytes(DatabasePath);
        WriteGarbage(whole[..(whole.Length / 2)]);

        // Act
        bool read = GeoDatabaseFile.TryRead(DatabasePath, out _, out string? error);

        // Assert
        Assert.False(read);
        Assert.NotNull(error);
    }

    [Fact]
    public void TryCheck_MissingFile_NoSuchFile()
    {
        // Act
        bool found = GeoDatabaseFile.TryCheck(DatabasePath, out string? error);

        // Assert
        Assert.False(found);
        Assert.Equal($"no such file: {DatabasePath}", error);
    }

    [Fact]
    public void Poll_FileReplaced_NewDatabaseInForce()
    {
        // Arrange
        Write(Networks);
        using var geo = new GeoDatabase(_logger, meterFactory: null, _time);
        geo.Apply(DatabasePath);
        geo.Start();
        Assert.Equal("DE", CountryOf(geo.Locator.Table, "10.1.0.1"));

        // Act: 10.1.0.0/16 moves to Austria.
        Write(new CountryNetwork("10.1.0.0/16", "AT", "EU"));
        _time.Advance(GeoDatabase.PollInterval);

        // Assert
        Assert.Equal("AT", CountryOf(geo.Locator.Table, "10.1.0.1"));
        Assert.Equal(2, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == TrafficManagerEventIds.GeoDatabaseLoaded));
    }

    [Fact]
    public void Poll_GarbageReplacesDatabase_OldOneKeptAndLoggedOnce()
    {
        // Arrange
        Write(Networks);
        using var geo = new GeoDatabase(_logger, meterFactory: null, _time);
        geo.Apply(DatabasePath);
        geo.Start();
        var before = geo.Locator.Table;

        // Act: garbage, polled twice; then a good file again.
        WriteGarbage("this is not a database"u8.ToArray());
        _time.Advance(GeoDatabase.PollInterval);
        _time.Advance(GeoDatabase.PollInterval);
        var duringGarbage = geo.Locator.Table;
        Write(new CountryNetwork("10.1.0.0/16", "AT", "EU"));
        _time.Advance(GeoDatabase.PollInterval);

        // Assert
        Assert.Same(before, duringGarbage);
        var failure = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == TrafficManagerEventIds.GeoDatabaseLoadFailed);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Contains("the database in force stays (GeoLite2-Country built", failure.Message, StringComparison.Ordinal);
        Assert.Equal("AT", CountryOf(geo.Locator.Table, "10.1.0.1"));
    }

    [Fact]
    public void Poll_FileUnchanged_NotReadAgain()
    {
        // Arrange
        Write(Networks);
        using var geo = new GeoDatabase(_logger, meterFactory: null, _time);
        geo.Apply(DatabasePath);
        geo.Start();
        var loaded = geo.Locator.Table;

        // Act
        _time.Advance(GeoDatabase.PollInterval * 5);

        // Assert
        Assert.Same(loaded, geo.Locator.Table);
        Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == TrafficManagerEventIds.GeoDatabaseLoaded);
    }

    [Fact]
    public void Apply_MissingFileThenCreated_LoadedByThePoll()
    {
        // Arrange: the configured file is not there yet: nobody is placed, and the failure is logged.
        using var geo = new GeoDatabase(_logger, meterFactory: null, _time);
        geo.Apply(DatabasePath);
        geo.Start();
        Assert.Same(GeoTable.Empty, geo.Locator.Table);
        Assert.Contains("no database is in force", _logger.Collector.LatestRecord.Message, StringComparison.Ordinal);

        // Act
        Write(Networks);
        _time.Advance(GeoDatabase.PollInterval);

        // Assert
        Assert.Equal("DE", CountryOf(geo.Locator.Table, "10.1.0.1"));
    }

    [Fact]
    public void Apply_NoDatabaseAnyMore_EmptyTable()
    {
        // Arrange
        Write(Networks);
        using var geo = new GeoDatabase(_logger, meterFactory: null, _time);
        geo.Apply(DatabasePath);

        // Act
        geo.Apply(null);

        // Assert
        Assert.Same(GeoTable.Empty, geo.Locator.Table);
        Assert.Equal(TrafficManagerEventIds.GeoDatabaseCleared, _logger.Collector.LatestRecord.Id.Id);
    }

    [Fact]
    public void Loads_CountedByOutcomeAndNetworksObserved()
    {
        // Arrange
        Write(Networks);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var loads = new MetricCollector<long>(meterFactory, TrafficManagerMetrics.MeterName, GeoMetrics.Loads);
        using var networks = new MetricCollector<long>(meterFactory, TrafficManagerMetrics.MeterName, GeoMetrics.Networks);
        using var geo = new GeoDatabase(_logger, meterFactory, _time);

        // Act
        geo.Apply(DatabasePath);
        geo.Start();
        WriteGarbage([0]);
        _time.Advance(GeoDatabase.PollInterval);
        networks.RecordObservableInstruments();

        // Assert
        Assert.Equal([GeoMetrics.Loaded, GeoMetrics.Failed], loads.GetMeasurementSnapshot().Select(m => (string?)m.Tags[GeoMetrics.OutcomeTag]));
        Assert.True(networks.LastMeasurement!.Value >= Networks.Length, $"{networks.LastMeasurement.Value} networks");
    }
}

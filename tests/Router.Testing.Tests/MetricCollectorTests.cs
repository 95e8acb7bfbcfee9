using System.Diagnostics.Metrics;

namespace Router.Testing.Tests;

public sealed class MetricCollectorTests
{
    private const string MeterName = "Router.Testing.Tests";

    [Fact]
    public void Measurements_CounterAddsWithTags_RecordsValuesAndTags()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        var counter = meter.CreateCounter<long>("router.test.queries");
        using var collector = new MetricCollector<long>(meter, "router.test.queries");

        // Act
        counter.Add(1, new KeyValuePair<string, object?>("rcode", "NOERROR"), new KeyValuePair<string, object?>("transport", "udp"));
        counter.Add(2, new KeyValuePair<string, object?>("rcode", "NXDOMAIN"), new KeyValuePair<string, object?>("transport", "udp"));
        counter.Add(4, new KeyValuePair<string, object?>("rcode", "NOERROR"), new KeyValuePair<string, object?>("transport", "tcp"));

        // Assert
        Assert.Collection(
            collector.Measurements,
            m =>
            {
                Assert.Equal(1, m.Value);
                Assert.Equal("NOERROR", m.Tags["rcode"]);
                Assert.Equal("udp", m.Tags["transport"]);
            },
            m => Assert.Equal(2, m.Value),
            m => Assert.True(m.HasTags(new("rcode", "NOERROR"), new("transport", "tcp"))));
        Assert.Equal(7, collector.Sum());
        Assert.Equal(5, collector.Sum(m => m.HasTag("rcode", "NOERROR")));
        Assert.Equal(4, collector.LastMeasurement?.Value);
        Assert.Same(counter, collector.Instrument);
    }

    [Fact]
    public void Measurements_SameNamesOnAnotherMeterInstance_AreNotCollected()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        using var otherMeter = new Meter(MeterName);
        var counter = meter.CreateCounter<int>("router.test.transitions");
        var otherCounter = otherMeter.CreateCounter<int>("router.test.transitions");
        var otherInstrument = meter.CreateCounter<int>("router.test.other");
        using var collector = new MetricCollector<int>(meter, "router.test.transitions");

        // Act
        otherCounter.Add(100);
        otherInstrument.Add(1000);
        counter.Add(1);

        // Assert
        var measurement = Assert.Single(collector.Measurements);
        Assert.Equal(1, measurement.Value);
        Assert.Empty(measurement.Tags);
    }

    [Fact]
    public void Measurements_InstrumentCreatedAfterCollector_AreCollected()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        using var collector = new MetricCollector<double>(meter, "router.test.check.duration");
        Assert.Null(collector.Instrument);

        // Act
        var histogram = meter.CreateHistogram<double>("router.test.check.duration", unit: "s");
        histogram.Record(0.25);
        histogram.Record(0.5);

        // Assert
        Assert.Equal([0.25, 0.5], collector.Measurements.Select(m => m.Value));
        Assert.Equal("s", collector.Instrument?.Unit);
        Assert.Equal(0.75, collector.Sum());
    }

    [Fact]
    public void Measurements_InstrumentOfAnotherValueType_AreNotCollected()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        var counter = meter.CreateCounter<int>("router.test.typed");
        using var collector = new MetricCollector<long>(meter, "router.test.typed");

        // Act
        counter.Add(1);

        // Assert
        Assert.Empty(collector.Measurements);
        Assert.Null(collector.Instrument);
    }

    [Fact]
    public void RecordObservableInstruments_ObservableGauge_RecordsCurrentValueWithTags()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        var status = 1;
        meter.CreateObservableGauge("router.test.endpoint.status", () => new Measurement<int>(status, new KeyValuePair<string, object?>("endpoint", "a")));
        using var collector = new MetricCollector<int>(meter, "router.test.endpoint.status");

        // 1. Nothing is read until the collector asks.
        Assert.Empty(collector.Measurements);

        // 2. Each call reads the gauge once.
        collector.RecordObservableInstruments();
        status = 0;
        collector.RecordObservableInstruments();
        Assert.Equal([1, 0], collector.Measurements.Select(m => m.Value));
        Assert.Equal("a", collector.LastMeasurement?.Tags["endpoint"]);
    }

    [Fact]
    public void Dispose_AfterwardsAdds_AreNotCollectedAndEarlierRemain()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        var counter = meter.CreateCounter<long>("router.test.disposed");
        var collector = new MetricCollector<long>(meter, "router.test.disposed");
        counter.Add(3);

        // Act
        collector.Dispose();
        counter.Add(5);

        // Assert
        Assert.Equal(3, collector.Sum());
    }

    [Fact]
    public void Clear_AfterMeasurements_EmptiesAndSumIsZero()
    {
        // Arrange
        using var meter = new Meter(MeterName);
        var counter = meter.CreateCounter<decimal>("router.test.cleared");
        using var collector = new MetricCollector<decimal>(meter, "router.test.cleared");
        counter.Add(1.5m);

        // Act
        collector.Clear();

        // Assert
        Assert.Empty(collector.Measurements);
        Assert.Null(collector.LastMeasurement);
        Assert.Equal(0m, collector.Sum());
    }

    [Fact]
    public void Constructor_UnsupportedValueType_Throws()
    {
        // Arrange
        using var meter = new Meter(MeterName);

        // Act + Assert
        Assert.Throws<NotSupportedException>(() => new MetricCollector<Guid>(meter, "router.test.guid"));
    }
}

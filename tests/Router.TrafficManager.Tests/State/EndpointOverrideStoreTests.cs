using System.Text.Json;
using Router.TrafficManager.State;

namespace Router.TrafficManager.Tests.State;

/// <summary><see cref="EndpointOverrideStore"/>: the state file of manual endpoint settings.</summary>
public sealed class EndpointOverrideStoreTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("router-tm-state-").FullName;

    private string StateFile => Path.Combine(_directory, "router-state.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Set_ThenNewStore_RoundTripsEveryField()
    {
        // Arrange
        var store = new EndpointOverrideStore(StateFile, out _);
        var disabled = new EndpointOverride("app", "primary", false, At);
        var enabled = new EndpointOverride("web", "east", true, At.AddMinutes(1), ConfigEnabled: false);

        // Act
        Assert.Null(store.Set(disabled));
        Assert.Null(store.Set(enabled));
        var loaded = new EndpointOverrideStore(StateFile, out string? loadError);

        // Assert
        Assert.Null(loadError);
        Assert.True(loaded.TryGet("app", "primary", out var first));
        Assert.Equal(disabled, first);
        Assert.True(loaded.TryGet("web", "east", out var second));
        Assert.Equal(enabled, second);
        Assert.False(loaded.TryGet("app", "secondary", out _));
        Assert.Equal(StateFile, loaded.Path);
    }

    [Fact]
    public void Set_FileShape_VersionAndSortedCamelCaseEntries()
    {
        // Arrange
        var store = new EndpointOverrideStore(StateFile, out _);

        // Act
        store.Set(new EndpointOverride("web", "east", true, At));
        store.Set(new EndpointOverride("app", "secondary", false, At));
        store.Set(new EndpointOverride("app", "primary", false, At));

        // Assert
        using var document = JsonDocument.Parse(File.ReadAllBytes(StateFile));
        Assert.Equal(1, document.RootElement.GetProperty("version").GetInt32());
        var entries = document.RootElement.GetProperty("endpoints").EnumerateArray().ToArray();
        Assert.Equal(["app/primary", "app/secondary", "web/east"],
            entries.Select(e => $"{e.GetProperty("profile").GetString()}/{e.GetProperty("endpoint").GetString()}"));
        Assert.False(entries[0].GetProperty("enabled").GetBoolean());
        Assert.Equal(At, entries[0].GetProperty("changedAt").GetDateTimeOffset());
    }

    [Fact]
    public void Constructor_MissingFile_EmptyWithoutErrorAndNothingCreated()
    {
        // Act
        var store = new EndpointOverrideStore(StateFile, out string? loadError);

        // Assert
        Assert.Null(loadError);
        Assert.False(store.TryGet("app", "primary", out _));
        Assert.False(File.Exists(StateFile));
    }

    [Theory]
    [InlineData("{ \"endpoints\": [ { \"profile\": ")]
    [InlineData("not json at all")]
    [InlineData("{ \"endpoints\": 42 }")]
    [InlineData("[]")]
    public void Constructor_CorruptFile_LoadErrorAndEmpty(string content)
    {
        // Arrange
        File.WriteAllText(StateFile, content);

        // Act
        var store = new EndpointOverrideStore(StateFile, out string? loadError);

        // Assert
        Assert.NotNull(loadError);
        Assert.False(store.TryGet("app", "primary", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{ \"endpoints\": null }")]
    [InlineData("{ \"endpoints\": [ null, { \"profile\": \"\", \"endpoint\": \"x\", \"enabled\": false }, { \"endpoint\": \"x\" } ] }")]
    public void Constructor_EmptyOrUnusableEntries_Skipped(string content)
    {
        // Arrange: an empty file is what a crash before the first write leaves, with atomic replace it should not occur.
        File.WriteAllText(StateFile, content);

        // Act
        var store = new EndpointOverrideStore(StateFile, out string? loadError);

        // Assert: whatever it says, the store starts empty and is usable.
        _ = loadError;
        Assert.False(store.TryGet("app", "primary", out _));
        Assert.Null(store.Set(new EndpointOverride("app", "primary", false, At)));
        Assert.True(new EndpointOverrideStore(StateFile, out _).TryGet("app", "primary", out _));
    }

    [Fact]
    public void Constructor_UsableEntriesBesideUnusableOnes_Kept()
    {
        // Arrange
        File.WriteAllText(StateFile, """
            { "version": 1, "endpoints": [
              null,
              { "profile": "app", "endpoint": "primary", "enabled": false, "changedAt": "2026-03-04T05:06:07+00:00" },
              { "profile": "app" }
            ] }
            """);

        // Act
        var store = new EndpointOverrideStore(StateFile, out string? loadError);

        // Assert
        Assert.Null(loadError);
        Assert.True(store.TryGet("app", "primary", out var value));
        Assert.Equal(new EndpointOverride("app", "primary", false, At), value);
    }

    [Fact]
    public void Constructor_CorruptFile_NextSetReplacesIt()
    {
        // Arrange
        File.WriteAllText(StateFile, "garbage");
        var store = new EndpointOverrideStore(StateFile, out _);

        // Act
        Assert.Null(store.Set(new EndpointOverride("app", "primary", false, At)));

        // Assert
        var loaded = new EndpointOverrideStore(StateFile, out string? loadError);
        Assert.Null(loadError);
        Assert.True(loaded.TryGet("app", "primary", out _));
    }

    [Fact]
    public void Set_ReplacesFileAtomically_NoTemporaryFileLeft()
    {
        // Arrange: a temporary file left by an earlier crash, and an existing state file.
        File.WriteAllText(StateFile + ".tmp", "half-written");
        var store = new EndpointOverrideStore(StateFile, out _);
        store.Set(new EndpointOverride("app", "primary", false, At));
        var before = File.ReadAllText(StateFile);

        // Act
        store.Set(new EndpointOverride("app", "secondary", false, At));

        // Assert
        Assert.Equal(["router-state.json"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName));
        Assert.NotEqual(before, File.ReadAllText(StateFile));
        Assert.True(new EndpointOverrideStore(StateFile, out _).TryGet("app", "secondary", out _));
    }

    [Fact]
    public void Set_MissingFolder_Created()
    {
        // Arrange
        string path = Path.Combine(_directory, "a", "b", "state.json");
        var store = new EndpointOverrideStore(path, out _);

        // Act
        string? error = store.Set(new EndpointOverride("app", "primary", false, At));

        // Assert
        Assert.Null(error);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Keys_IgnoreCase_SetReplacesAndTryGetFinds()
    {
        // Arrange
        var store = new EndpointOverrideStore(StateFile, out _);
        store.Set(new EndpointOverride("App", "Primary", false, At));

        // Act
        store.Set(new EndpointOverride("APP", "primary", true, At.AddSeconds(1)));

        // Assert
        Assert.True(store.TryGet("app", "PRIMARY", out var value));
        Assert.Equal(new EndpointOverride("APP", "primary", true, At.AddSeconds(1)), value);
        var loaded = new EndpointOverrideStore(StateFile, out _);
        Assert.True(loaded.TryGet("aPp", "pRiMaRy", out var reloaded));
        Assert.True(reloaded!.Enabled);
        using var document = JsonDocument.Parse(File.ReadAllBytes(StateFile));
        Assert.Single(document.RootElement.GetProperty("endpoints").EnumerateArray());
    }

    [Fact]
    public void Constructor_FileWithCaseVariantDuplicates_OneEntryLastWins()
    {
        // Arrange
        File.WriteAllText(StateFile, """
            { "endpoints": [
              { "profile": "app", "endpoint": "primary", "enabled": false, "changedAt": "2026-03-04T05:06:07+00:00" },
              { "profile": "APP", "endpoint": "PRIMARY", "enabled": true, "changedAt": "2026-03-04T05:06:08+00:00" }
            ] }
            """);

        // Act
        var store = new EndpointOverrideStore(StateFile, out _);

        // Assert
        Assert.True(store.TryGet("app", "primary", out var value));
        Assert.True(value!.Enabled);
    }

    [Fact]
    public void Set_Unwritable_ErrorAndNothingChanges()
    {
        // Arrange: the folder is a regular file (tests may run as root, where permissions do not stop a write).
        string blocker = Path.Combine(_directory, "file");
        File.WriteAllText(blocker, "x");
        var store = new EndpointOverrideStore(Path.Combine(blocker, "state.json"), out string? loadError);
        Assert.Null(loadError);

        // Act
        string? error = store.Set(new EndpointOverride("app", "primary", false, At));

        // Assert
        Assert.NotNull(error);
        Assert.StartsWith($"cannot save {Path.Combine(blocker, "state.json")}: ", error, StringComparison.Ordinal);
        Assert.False(store.TryGet("app", "primary", out _));
    }

    [Fact]
    public void Set_StateFilePathIsAFolder_ErrorNoTemporaryFileLeft()
    {
        // Arrange
        string path = Path.Combine(_directory, "folder");
        Directory.CreateDirectory(path);
        var store = new EndpointOverrideStore(path, out string? loadError);
        Assert.Null(loadError);

        // Act
        string? error = store.Set(new EndpointOverride("app", "primary", false, At));

        // Assert
        Assert.NotNull(error);
        Assert.False(store.TryGet("app", "primary", out _));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Remove_SavesWithoutTheEntry_UnknownIsNoWrite()
    {
        // Arrange
        var store = new EndpointOverrideStore(StateFile, out _);
        store.Set(new EndpointOverride("app", "primary", false, At));
        store.Set(new EndpointOverride("app", "secondary", false, At));

        // Act
        Assert.Null(store.Remove("APP", "PRIMARY"));
        File.Delete(StateFile);
        Assert.Null(store.Remove("app", "nope"));

        // Assert
        Assert.False(store.TryGet("app", "primary", out _));
        Assert.True(store.TryGet("app", "secondary", out _));
        Assert.False(File.Exists(StateFile)); // removing nothing writes nothing
    }

    [Fact]
    public void Remove_Persisted()
    {
        // Arrange
        var store = new EndpointOverrideStore(StateFile, out _);
        store.Set(new EndpointOverride("app", "primary", false, At));

        // Act
        store.Remove("app", "primary");

        // Assert
        var loaded = new EndpointOverrideStore(StateFile, out string? loadError);
        Assert.Null(loadError);
        Assert.False(loaded.TryGet("app", "primary", out _));
    }

    [Fact]
    public void InMemory_NullPath_SetAndRemoveWithoutFiles()
    {
        // Arrange
        var store = new EndpointOverrideStore(null, out string? loadError);

        // Act
        Assert.Null(store.Set(new EndpointOverride("app", "primary", false, At)));

        // Assert
        Assert.Null(loadError);
        Assert.Null(store.Path);
        Assert.True(store.TryGet("app", "primary", out _));
        Assert.Null(store.Remove("app", "primary"));
        Assert.False(store.TryGet("app", "primary", out _));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void Set_Concurrent_EveryEntrySavedOnce()
    {
        // Arrange
        var store = new EndpointOverrideStore(StateFile, out _);

        // Act
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            Assert.Null(store.Set(new EndpointOverride("app", $"e{i}", i % 2 == 0, At))));

        // Assert
        var loaded = new EndpointOverrideStore(StateFile, out string? loadError);
        Assert.Null(loadError);
        for (int i = 0; i < 32; i++)
        {
            Assert.True(loaded.TryGet("app", $"e{i}", out var value));
            Assert.Equal(i % 2 == 0, value!.Enabled);
        }

        Assert.Equal(["router-state.json"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName));
    }
}

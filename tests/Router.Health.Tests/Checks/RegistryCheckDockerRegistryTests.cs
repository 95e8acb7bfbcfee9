using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

/// <summary>
/// Registry checks against the real Debian docker-registry (distribution 2.8) with htpasswd auth, built the way the
/// monitor builds them, with a canary pushed by plain API calls. Each test pushes its own canary first, so the order
/// of tests (and a storage wipe by another) does not matter.
/// </summary>
public sealed class RegistryCheckDockerRegistryTests(DockerRegistryFixture fixture) : IClassFixture<DockerRegistryFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private DockerRegistryServer Server => fixture.Server;

    [Fact]
    public async Task CheckAsync_CanaryPushed_Success()
    {
        // Arrange
        await PushCanaryAsync("canary", "latest");
        using var check = Create("canary", reference: null, DockerRegistryServer.Password);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        AssertSuccess(result);
    }

    [Fact]
    public async Task CheckAsync_CanaryByDigest_Success()
    {
        string digest = await PushCanaryAsync("canary", "by-digest");
        using var check = Create("canary", digest, DockerRegistryServer.Password);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
    }

    [Fact]
    public async Task CheckAsync_CanaryPushedAsIndex_FollowsFirstEntry()
    {
        await RegistryCanary.PushAsync(Server.BaseAddress, "team/multi", "v1", DockerRegistryServer.User, DockerRegistryServer.Password, asIndex: true);
        using var check = Create("team/multi", "v1", DockerRegistryServer.Password);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
    }

    [Fact]
    public async Task CheckAsync_WrongPassword_AuthRejected()
    {
        // auth-rotate: the probe's password is no longer the registry's.
        await PushCanaryAsync("canary", "latest");
        using var check = Create("canary", reference: null, "rotated-elsewhere");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("auth rejected: 401", result.Error);
    }

    [Fact]
    public async Task CheckAsync_PasswordRotatedOnTheRegistry_FailsThenRecovers()
    {
        // Arrange
        await PushCanaryAsync("canary", "latest");
        using var check = Create("canary", reference: null, DockerRegistryServer.Password);

        // Act
        await Server.RotatePasswordAsync("rotated-elsewhere");
        CheckResult rotated;
        try
        {
            rotated = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        }
        finally
        {
            await Server.RestorePasswordAsync();
        }

        var restored = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, rotated.Outcome);
        Assert.Equal("auth rejected: 401", rotated.Error);
        AssertSuccess(restored);
    }

    [Fact]
    public async Task CheckAsync_UnknownTag_ManifestUnknown()
    {
        await PushCanaryAsync("canary", "latest");
        using var check = Create("canary", "never-pushed", DockerRegistryServer.Password);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("manifest GET 404 (MANIFEST_UNKNOWN): storage wiped?", result.Error);
    }

    [Fact]
    public async Task CheckAsync_StorageWiped_FailsOnTheManifestWhileApiRootStaysGreen()
    {
        // Arrange: a healthy canary, and the shallow check a registry usually gets.
        await PushCanaryAsync("canary", "latest");
        using var check = Create("canary", reference: null, DockerRegistryServer.Password);
        using var shallow = CreateApiRootCheck();
        AssertSuccess(await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound));

        // Act: storage-wipe (real-components.md §4): the storage's contents are gone, the process runs on.
        CheckResult wiped, shallowResult;
        WipeStorage();
        try
        {
            wiped = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
            shallowResult = await shallow.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        }
        finally
        {
            // Heal as an operator must: the registry's in-memory blob-descriptor cache still "knows" the wiped blobs and
            // would skip writing them again (the stale-cache quirk of real-components.md §4), so restart, then re-seed.
            await Server.KillAsync();
            await Server.RestartAsync();
            await PushCanaryAsync("canary", "latest");
        }

        var reseeded = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, wiped.Outcome);
        Assert.Equal("manifest GET 404 (MANIFEST_UNKNOWN): storage wiped?", wiped.Error);
        AssertSuccess(shallowResult);
        AssertSuccess(reseeded);
    }

    [Fact]
    public async Task CheckAsync_RegistryKilledThenRestarted_ConnectionRefusedThenRecovers()
    {
        // Arrange
        await PushCanaryAsync("canary", "latest");
        using var check = Create("canary", reference: null, DockerRegistryServer.Password);
        AssertSuccess(await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound));

        // Act
        await Server.KillAsync();
        CheckResult down;
        try
        {
            down = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        }
        finally
        {
            await Server.RestartAsync();
        }

        var up = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, down.Outcome);
        Assert.Equal("connection refused", down.Error);
        AssertSuccess(up);
    }

    private static void AssertSuccess(CheckResult result) => Assert.True(result.Outcome == CheckOutcome.Success, $"{result.Outcome}: {result.Error}");

    private Task<string> PushCanaryAsync(string repository, string tag) =>
        RegistryCanary.PushAsync(Server.BaseAddress, repository, tag, DockerRegistryServer.User, DockerRegistryServer.Password);

    private void WipeStorage()
    {
        foreach (var entry in new DirectoryInfo(Server.StorageDirectory).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    private RegistryCheck Create(string repository, string? reference, string password)
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(new CheckOptions
        {
            Type = "Registry",
            Url = Server.BaseAddress.ToString(),
            Repository = repository,
            Reference = reference,
            Username = DockerRegistryServer.User,
            Password = password,
            TimeoutSeconds = Timeout.TotalSeconds,
        }, "Health:Resources:0:Check", TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsType<RegistryCheck>(check);
    }

    private HttpCheck CreateApiRootCheck()
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(new CheckOptions
        {
            Type = "Http",
            Url = Server.ApiRoot.ToString(),
            Username = DockerRegistryServer.User,
            Password = DockerRegistryServer.Password,
            ExpectedStatusCodes = ["200"],
        }, "Health:Resources:1:Check", TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsType<HttpCheck>(check);
    }
}

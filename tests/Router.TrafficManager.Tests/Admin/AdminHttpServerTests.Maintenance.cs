using System.Net;
using System.Text.Json;
using Router.TrafficManager.Admin;

namespace Router.TrafficManager.Tests.Admin;

/// <summary>
/// <c>PUT …/endpoints/{e}</c> with <c>maintenance</c>, and <c>POST …/endpoints/{e}/release</c>, over
/// <see cref="FakeTrafficManagerControl"/>.
/// </summary>
public sealed partial class AdminHttpServerTests
{
    [Fact]
    public async Task PutMaintenance_WithReason_AsksTheTrafficManager_AndAnswersTheEndpoint()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json("{\"maintenance\": true, \"reason\": \"kernel upgrade\"}"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(control.ChangeCalls);
        Assert.Equal(("contoso", "eastus", new EndpointChange(null, true, "kernel upgrade")), call);
        Assert.Empty(control.SetCalls);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Maintenance", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("kernel upgrade", json.RootElement.GetProperty("reason").GetString());
        var logged = Assert.Single(_logs.GetSnapshot(), e => e.Id.Id == 3404);
        Assert.Contains("maintenance=True reason='kernel upgrade': done", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutEnabledAndMaintenance_BothGoToTheTrafficManager()
    {
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json("{\"enabled\": true, \"maintenance\": false}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new EndpointChange(true, false, null), Assert.Single(control.ChangeCalls).Change);
    }

    [Theory]
    [InlineData("{\"maintenance\": \"yes\"}", "'maintenance' must be true or false, not \"yes\"")]
    [InlineData("{\"reason\": \"x\"}", "'enabled' is missing (and so is 'maintenance'")]
    [InlineData("{\"maintenance\": false, \"reason\": \"x\"}", "'reason' goes with \"maintenance\": true")]
    [InlineData("{\"maintenance\": true, \"reason\": 5}", "'reason' must be a string, not 5")]
    [InlineData("{\"maintenance\": true, \"reason\": \"a\\nb\"}", "without control characters")]
    public async Task PutMaintenance_BadBody_Returns400SayingWhatIsExpected(string body, string reason)
    {
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string? error = await ErrorOf(response);
        Assert.Contains("{\"maintenance\": true, \"reason\": \"…\"}", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Empty(control.ChangeCalls);
    }

    [Fact]
    public async Task PutMaintenance_ReasonTooLong_Returns400()
    {
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        string body = JsonSerializer.Serialize(new { maintenance = true, reason = new string('x', EndpointChangeBody.MaxReasonLength + 1) });
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"at most {EndpointChangeBody.MaxReasonLength} characters", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostRelease_HeldEndpoint_Returns200WithTheEndpoint()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        control.Hold("contoso", "eastus");
        await StartAsync(control);

        // Act
        using var response = await _http.PostAsync(Url("/api/profiles/contoso/endpoints/eastus/release"), null);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("contoso", "eastus"), Assert.Single(control.ReleaseCalls));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(json.RootElement.GetProperty("held").GetBoolean());
        Assert.Contains(_logs.GetSnapshot(), e => e.Id.Id == 3405 && e.Message.EndsWith(": released.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostRelease_NotHeld_Returns409WithTheReason()
    {
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        using var response = await _http.PostAsync(Url("/api/profiles/contoso/endpoints/eastus/release"), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("endpoint 'eastus' is not held back", await ErrorOf(response));
    }

    [Fact]
    public async Task PostRelease_UnknownEndpoint_Returns404()
    {
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        using var response = await _http.PostAsync(Url("/api/profiles/contoso/endpoints/mars/release"), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PostRelease_CrossOrigin_Refused()
    {
        var control = FakeTrafficManagerControl.Contoso();
        control.Hold("contoso", "eastus");
        await StartAsync(control);

        using var request = new HttpRequestMessage(HttpMethod.Post, Url("/api/profiles/contoso/endpoints/eastus/release"));
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(control.ReleaseCalls);
    }
}

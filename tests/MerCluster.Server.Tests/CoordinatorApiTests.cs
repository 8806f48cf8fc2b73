using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MerCluster.Server.Tests;

public sealed class CoordinatorApiTests : IAsyncLifetime
{
    private Coordinator _coordinator = null!;

    public async Task InitializeAsync() => _coordinator = await Coordinator.StartAsync();

    public async Task DisposeAsync() => await _coordinator.DisposeAsync();

    [Fact]
    public async Task Liveness_and_readiness_answer_ok_while_the_store_is_reachable()
    {
        Assert.Equal(HttpStatusCode.OK, (await _coordinator.Http.GetAsync("healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _coordinator.Http.GetAsync("readyz")).StatusCode);
    }

    [Fact]
    public async Task Submitting_a_sweep_without_the_token_is_401_and_stores_nothing()
    {
        var response = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("no-token"), token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, (await _coordinator.Http.GetFromJsonAsync<JsonElement>("api/sweeps")).GetArrayLength());
    }

    [Fact]
    public async Task A_wrong_token_is_401_and_is_not_echoed_back()
    {
        var response = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("wrong-token"), token: "guess-123");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("guess-123", body);
        Assert.DoesNotContain(Coordinator.Token, body);
    }

    [Fact]
    public async Task Cancelling_without_the_token_is_401()
    {
        var response = await _coordinator.SendAsync(HttpMethod.Post, "api/sweeps/anything/cancel", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_posted_sweep_that_names_a_dataset_instead_of_features_is_400_saying_to_use_sweep_submit()
    {
        var response = await _coordinator.PostSweepAsync("name: by-dataset\ndataset: {casme2: /data/CASME2}\npipeline: quick\nmodel: {name: noop}\n");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("features", error.GetProperty("key").GetString());
        Assert.Contains("mer sweep submit", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_malformed_sweep_is_400_naming_the_key()
    {
        var response = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("bad-attempts", "max_attempts: 0"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("max_attempts", error.GetProperty("key").GetString());
        Assert.Contains("max_attempts", error.GetProperty("error").GetString());
        Assert.Equal(0, (await _coordinator.Http.GetFromJsonAsync<JsonElement>("api/sweeps")).GetArrayLength());
    }

    [Fact]
    public async Task A_sweep_whose_features_are_missing_is_400_naming_the_directory()
    {
        var response = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("no-features").Replace("features: features", "features: elsewhere"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("elsewhere", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_submitted_sweep_is_listed_with_its_trials_and_pending_folds_and_can_be_cancelled()
    {
        var response = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("grid", "grid: {model.duration: [1ms, 2ms]}", "{name: noop, duration: 1ms}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var submitted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = submitted.GetProperty("id").GetString()!;
        Assert.Equal(2, submitted.GetProperty("trials").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await _coordinator.PostSweepAsync(Coordinator.NoopSweep("grid", "grid: {model.duration: [1ms, 2ms]}", "{name: noop, duration: 1ms}"))).StatusCode);

        var sweeps = await _coordinator.Http.GetFromJsonAsync<JsonElement>("api/sweeps");
        var sweep = Assert.Single(sweeps.EnumerateArray());
        Assert.Equal(id, sweep.GetProperty("id").GetString());
        Assert.Equal(12, sweep.GetProperty("folds").GetProperty("pending").GetInt32());
        Assert.Equal(20, sweep.GetProperty("maxInterruptions").GetInt32());

        var trials = await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{id}/trials");
        Assert.Equal(2, trials.GetArrayLength());
        var trialId = trials[0].GetProperty("id").GetInt64();
        var folds = await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/trials/{trialId}/folds");
        Assert.Equal(6, folds.GetArrayLength());
        Assert.All(folds.EnumerateArray(), f => Assert.Equal(("pending", 0), (f.GetProperty("state").GetString(), f.GetProperty("interruptions").GetInt32())));

        // The coordinator's silo has no device slots and no other silo is up: the folds wait, and cancelling fails them all.
        var cancel = await _coordinator.SendAsync(HttpMethod.Post, $"api/sweeps/{id}/cancel", Coordinator.Token);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, cancelled.GetProperty("id").GetString());
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        var counts = cancelled.GetProperty("folds");
        Assert.Equal((0, 0, 0, 12), (counts.GetProperty("pending").GetInt32(), counts.GetProperty("running").GetInt32(),
            counts.GetProperty("done").GetInt32(), counts.GetProperty("failed").GetInt32()));
        var after = await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{id}");
        Assert.Equal("cancelled", after.GetProperty("state").GetString());
        Assert.Equal(12, after.GetProperty("folds").GetProperty("failed").GetInt32());
        var failed = await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/trials/{trialId}/folds");
        Assert.All(failed.EnumerateArray(), f => Assert.Equal("failed", f.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Cancelling_an_unknown_sweep_is_404()
    {
        var response = await _coordinator.SendAsync(HttpMethod.Post, "api/sweeps/nope/cancel", Coordinator.Token);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_sweeps_and_trials_are_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _coordinator.Http.GetAsync("api/sweeps/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _coordinator.Http.GetAsync("api/trials/999/folds")).StatusCode);
    }

    [Fact]
    public async Task The_server_itself_is_listed_as_an_active_silo()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement silos;
        while (true)
        {
            silos = await _coordinator.Http.GetFromJsonAsync<JsonElement>("api/silos");
            if (silos.EnumerateArray().Any(s => s.GetProperty("status").GetString() == "Active") || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(250);
        }
        var silo = Assert.Single(silos.EnumerateArray());
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.Equal($"{Environment.MachineName}-{Environment.ProcessId}", silo.GetProperty("name").GetString());
        Assert.StartsWith("127.0.0.1:", silo.GetProperty("endpoint").GetString());
        var aliveAt = DateTimeOffset.FromUnixTimeMilliseconds(silo.GetProperty("aliveAt").GetInt64());
        Assert.InRange(DateTimeOffset.UtcNow - aliveAt, TimeSpan.FromSeconds(-5), TimeSpan.FromMinutes(1));
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MerCluster.Orchestration.Cluster;

namespace MerCluster.Server.Tests;

/// <summary>GET /api/sweeps/{id}/events: the story of a sweep's folds, as a silo with a slot ran them.</summary>
public sealed class FoldEventsApiTests : IAsyncLifetime
{
    private Coordinator _coordinator = null!;

    public async Task InitializeAsync() => _coordinator = await Coordinator.StartAsync();

    public async Task DisposeAsync() => await _coordinator.DisposeAsync();

    [Fact]
    public async Task Each_fold_reads_placed_started_then_completed_or_failed_with_its_error_and_a_fold_can_be_asked_for_alone()
    {
        using var silo = await SiloHost.StartAsync(new SiloSettings
        {
            StoreUrl = _coordinator.StoreUrl,
            Devices = ["cpu"],
            CacheRoot = _coordinator.Directory.File("cache"),
            Name = "events-silo",
        });
        var posted = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("story", "max_attempts: 1", "{name: noop, fail_subjects: [samm/s2]}"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{id}")).GetProperty("state").GetString() != "complete")
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweep did not complete in 2 minutes");
            await Task.Delay(200);
        }

        var events = (await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{id}/events")).EnumerateArray().ToList();
        var times = events.Select(e => e.GetProperty("at").GetInt64()).ToList();
        Assert.Equal(times.Order(), times);
        var folds = events.GroupBy(e => e.GetProperty("foldId").GetInt64()).ToList();
        Assert.Equal(6, folds.Count);
        foreach (var fold in folds)
        {
            Assert.Equal(["placed", "started", "completed"], fold.Select(e => e.GetProperty("kind").GetString()!).Select(k => k == "failed" ? "completed" : k));
            Assert.All(fold, e => Assert.Equal(("events-silo", "cpu", 1), (e.GetProperty("silo").GetString(), e.GetProperty("device").GetString(), e.GetProperty("attempt").GetInt32())));
        }
        var failed = Assert.Single(events, e => e.GetProperty("kind").GetString() == "failed");
        Assert.Contains("samm/s2 is listed in model.fail_subjects", failed.GetProperty("message").GetString());

        var foldId = failed.GetProperty("foldId").GetInt64();
        var one = await _coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{id}/events?fold={foldId}");
        Assert.Equal(["placed", "started", "failed"], one.EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await _coordinator.Http.GetAsync("api/sweeps/nope/events")).StatusCode);
        await silo.StopAsync();
    }
}

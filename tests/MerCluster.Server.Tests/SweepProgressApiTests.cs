using System.Net;
using System.Text.Json;
using MerCluster.Orchestration.Cluster;

namespace MerCluster.Server.Tests;

/// <summary>GET /api/sweeps/{id}/progress: the sweep grain's changes as server-sent events, while a silo with a slot trains.</summary>
public sealed class SweepProgressApiTests : IAsyncLifetime
{
    private Coordinator _coordinator = null!;

    public async Task InitializeAsync() => _coordinator = await Coordinator.StartAsync();

    public async Task DisposeAsync() => await _coordinator.DisposeAsync();

    [Fact]
    public async Task Progress_streams_every_fold_as_it_finishes_until_the_sweep_completes()
    {
        using var silo = await SiloHost.StartAsync(new SiloSettings
        {
            StoreUrl = _coordinator.StoreUrl,
            Devices = ["cpu"],
            CacheRoot = _coordinator.Directory.File("cache"),
        });
        var posted = await _coordinator.PostSweepAsync(Coordinator.NoopSweep("streamed", model: "{name: noop, duration: 300ms}"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var response = await _coordinator.Http.GetAsync($"api/sweeps/{id}/progress", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var done = new List<int>();
        string? state = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
                continue;
            var status = JsonDocument.Parse(line["data: ".Length..]).RootElement;
            done.Add(status.GetProperty("done").GetInt32());
            state = status.GetProperty("state").GetString();
        }

        Assert.Equal("complete", state);
        Assert.Equal(6, done[^1]);
        // Folds were reported one by one as they finished, not once at the end.
        Assert.True(done.Distinct().Count() >= 3, $"done counts heard: {string.Join(", ", done)}");
        Assert.Equal(done.Order(), done);
        await silo.StopAsync();
    }
}

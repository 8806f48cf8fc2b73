using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MerCluster.Server.Tests.Support;

/// <summary>
/// A coordinator and real `mer silo --slots 1 --metrics-port P` processes on its store: what Prometheus scrapes in a
/// deployment. Sweeps are submitted through the coordinator's API; <see cref="ScrapeAsync"/> reads a /metrics in the
/// plain text format. The silos are killed and the coordinator stopped when disposed.
/// </summary>
public sealed class MetricsCluster : IAsyncDisposable
{
    public const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly List<(string Name, ChildProcess Process, int MetricsPort)> _silos = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private MetricsCluster(Coordinator coordinator) => Coordinator = coordinator;

    public Coordinator Coordinator { get; }

    /// <summary>The silos' output, for failure messages.</summary>
    public string Output => string.Join("\n", _silos.Select(s => $"--- {s.Name}\n{s.Process.Output}"));

    /// <summary>A coordinator and one silo per name, each Active in the membership table before this returns.</summary>
    public static async Task<MetricsCluster> StartAsync(params string[] silos)
    {
        var cluster = new MetricsCluster(await Coordinator.StartAsync());
        try
        {
            foreach (var name in silos)
                await cluster.StartSiloAsync(name);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address (host:port) of a silo's /metrics.</summary>
    public string SiloTarget(string name) => $"127.0.0.1:{_silos.Single(s => s.Name == name).MetricsPort}";

    public ChildProcess Silo(string name) => _silos.Single(s => s.Name == name).Process;

    /// <summary>Submits a 2-trial no-op sweep (6 folds each) through the API; returns its id.</summary>
    public async Task<string> SubmitAsync(string name, string model = "{name: noop, duration: 1ms}")
    {
        var response = await Coordinator.PostSweepAsync(Coordinator.NoopSweep(name, "grid: {model.duration: [1ms, 2ms]}", model));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task WaitCompleteAsync(string sweepId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await Coordinator.Http.GetFromJsonAsync<JsonElement>($"api/sweeps/{sweepId}")).GetProperty("state").GetString() != "complete")
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"sweep {sweepId} did not complete within {timeout.TotalSeconds} s\n{Output}");
            await Task.Delay(250);
        }
    }

    /// <summary>The coordinator's /metrics (null) or a silo's, asked for in the plain text format; fails unless it answers in that format.</summary>
    public async Task<string> ScrapeAsync(string? silo = null)
    {
        var url = silo is null ? Coordinator.Url : $"http://{SiloTarget(silo)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url + "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain; version=0.0.4"));
        using var response = await _http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}/metrics: {(int)response.StatusCode}");
        Assert.Equal(TextFormat, response.Content.Headers.ContentType!.ToString());
        return await response.Content.ReadAsStringAsync();
    }

    private async Task StartSiloAsync(string name)
    {
        var port = FreePort.Next();
        var process = MerCli.Start(null, "silo", "--store", Coordinator.StoreUrl, "--slots", "1", "--name", name,
            "--cache", Coordinator.Directory.File("cache"), "--metrics-port", port.ToString(CultureInfo.InvariantCulture));
        _silos.Add((name, process, port));
        await Membership.WaitUntilAsync(Coordinator.StoreUrl, silos => silos.Any(s => s.SiloName == name && s.Status == "Active"),
            StartTimeout, $"silo {name} to be Active", () => process.Output);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
            silo.Process.Dispose();
        _http.Dispose();
        await Coordinator.DisposeAsync();
    }
}

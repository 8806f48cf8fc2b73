using System.Net;
using System.Text.Json;
using MerCluster.Orchestration.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace MerCluster.Server.Tests.Support;

/// <summary>
/// A sweep watched in a browser from its start: a coordinator, a silo with one slot beside it, headless Chromium, and a
/// two-trial no-op sweep (500 ms folds, one fold of each trial failing, a share of each fold mispredicted so the scores
/// differ) whose page is opened as soon as it is submitted. What that page shows is read every 100 ms, without ever
/// reloading it, until the sweep has finished.
/// </summary>
public sealed class WatchedSweep : IAsyncLifetime
{
    public const int Trials = 2;
    public const int FoldsPerTrial = 6;
    public const string FailingFold = "samm/s2";

    private IHost _silo = null!;

    public Coordinator Coordinator { get; private set; } = null!;

    public Chromium Chromium { get; private set; } = null!;

    public string SweepId { get; private set; } = "";

    /// <summary>The sweep's page, opened at submission, kept open and never reloaded.</summary>
    public IPage LivePage { get; private set; } = null!;

    /// <summary>The sweep list (/), opened before the submission and never reloaded.</summary>
    public IPage ListPage { get; private set; } = null!;

    /// <summary>The link given the keyboard focus on the live page at the start (a trial's "matrices" link).</summary>
    public string FocusedLink { get; private set; } = "";

    /// <summary>Completes once the live page says the sweep finished, with every count of folds done it showed, in order.</summary>
    public Task<IReadOnlyList<int>> Finished { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Coordinator = await Coordinator.StartAsync();
        _silo = await SiloHost.StartAsync(new SiloSettings
        {
            StoreUrl = Coordinator.StoreUrl,
            Devices = ["cpu"],
            CacheRoot = Coordinator.Directory.File("cache"),
        });
        Chromium = await Chromium.LaunchAsync();
        // Everything slow to start is ready before the sweep is submitted, so the page sees its first folds finish.
        ListPage = await Chromium.NewPageAsync(Coordinator.Url);
        await ListPage.GotoAsync("/");
        LivePage = await Chromium.NewPageAsync(Coordinator.Url);
        var posted = await Coordinator.PostSweepAsync(Coordinator.NoopSweep("results-page",
            "max_attempts: 1\ngrid: {model.mispredict: [0.34, 0.67]}", $"{{name: noop, duration: 500ms, mispredict: 0, fail_subjects: [{FailingFold}]}}"));
        if (posted.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"submitting the sweep: {posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        SweepId = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await LivePage.GotoAsync($"/sweeps/{SweepId}");
        // Gone if a page were ever loaded again.
        foreach (var page in new[] { ListPage, LivePage })
            await page.EvaluateAsync("() => { window.neverReloaded = true; }");
        var link = LivePage.Locator("#trials tbody a").Last;
        FocusedLink = (await link.GetAttributeAsync("href"))!;
        await link.FocusAsync();
        Finished = WatchAsync();
    }

    private async Task<IReadOnlyList<int>> WatchAsync()
    {
        var seen = new List<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var shown = await LivePage.EvaluateAsync<string>(
                "() => document.querySelector('#summary').dataset.state + ' ' + document.querySelector('#summary [data-count=done]').textContent");
            var state = shown.Split(' ')[0];
            var done = int.Parse(shown.Split(' ')[1]);
            if (seen.Count == 0 || seen[^1] != done)
                seen.Add(done);
            if (state != "running")
                return seen;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the live page still says '{shown}' after 3 minutes; folds done seen: {string.Join(", ", seen)}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await _silo.StopAsync();
        _silo.Dispose();
        await Coordinator.DisposeAsync();
    }
}

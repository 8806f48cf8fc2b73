using System.Diagnostics;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Store;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// The live progress of a sweep: folds done/failed/running/pending per trial, the pooled UF1 so far and an ETA from the
/// mean fold time. A live table on a terminal; one line per change when the output is redirected (logs, tests).
/// </summary>
internal static class SweepProgressView
{
    public static async Task FollowAsync(CoordinationStore store, Func<string?> sweepId, int workers, Task running)
    {
        var clock = Stopwatch.StartNew();
        if (Console.IsOutputRedirected)
        {
            // A line when a fold finishes, and at least every 30 s, so a log shows progress without repeating itself.
            var lastCounts = (-1, -1);
            var lastLine = TimeSpan.Zero;
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(2)));
                if (sweepId() is not { } id)
                    continue;
                var progress = await store.ProgressAsync(id);
                var counts = (progress.Sum(p => p.Done), progress.Sum(p => p.Failed));
                if (counts == lastCounts && clock.Elapsed - lastLine < TimeSpan.FromSeconds(30))
                    continue;
                (lastCounts, lastLine) = (counts, clock.Elapsed);
                Console.WriteLine(Summary(progress, await store.MeanFoldSecondsAsync(id), workers, clock.Elapsed));
            }
            return;
        }
        var table = new Table();
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            while (true)
            {
                if (sweepId() is { } id)
                {
                    Render(table, id, await store.ProgressAsync(id), await store.TrialResultsAsync(id), await store.MeanFoldSecondsAsync(id), workers, clock.Elapsed);
                    context.Refresh();
                }
                if (running.IsCompleted)
                    break;
                await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1)));
            }
        });
    }

    /// <summary>The ETA: the folds left times the mean fold time, spread over the workers.</summary>
    public static TimeSpan? Remaining(IReadOnlyList<TrialProgress> progress, double? meanFoldSeconds, int workers)
    {
        if (meanFoldSeconds is not { } mean)
            return null;
        var left = progress.Sum(p => p.Pending + p.Leased);
        return TimeSpan.FromSeconds(Math.Ceiling((double)left / Math.Max(1, workers)) * mean);
    }

    public static string Summary(IReadOnlyList<TrialProgress> progress, double? meanFoldSeconds, int workers, TimeSpan? elapsed = null)
    {
        var total = progress.Sum(p => p.Total);
        var eta = Remaining(progress, meanFoldSeconds, workers);
        return (elapsed is { } e ? $"{e:hh\\:mm\\:ss} " : "") + $"folds {progress.Sum(p => p.Done)}/{total} done, {progress.Sum(p => p.Failed)} failed, "
            + $"{progress.Sum(p => p.Leased)} running; ETA {(eta is { } t ? t.ToString("hh\\:mm\\:ss") : "after the first fold")}";
    }

    private static void Render(Table table, string sweepId, IReadOnlyList<TrialProgress> progress, IReadOnlyList<TrialResult> results,
        double? meanFoldSeconds, int workers, TimeSpan elapsed)
    {
        table.Rows.Clear();
        if (table.Columns.Count == 0)
            table.AddColumns("trial", "done", "failed", "running", "pending", "UF1 so far", "UAR so far");
        foreach (var trial in progress)
        {
            var overall = results.FirstOrDefault(r => r.TrialId == trial.TrialId && r.Part == TrialAggregator.OverallPart);
            table.AddRow(Markup.Escape(trial.Label), $"{trial.Done}/{trial.Total}", trial.Failed > 0 ? $"[red]{trial.Failed}[/]" : "0",
                trial.Leased.ToString(), trial.Pending.ToString(), Format(overall?.Uf1), Format(overall?.Uar));
        }
        table.Title = new TableTitle(Markup.Escape($"sweep {sweepId}"));
        table.Caption = new TableTitle(Markup.Escape(Summary(progress, meanFoldSeconds, workers, elapsed)));
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.0000") : "-";
}

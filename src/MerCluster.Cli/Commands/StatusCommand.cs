using System.CommandLine;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Store;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>`mer status [SWEEP]`: every sweep in the store with its progress, or one sweep's trials, failed folds and workers.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var sweep = new Argument<string?>("sweep") { Description = "A sweep id or name (default: all sweeps).", Arity = ArgumentArity.ZeroOrOne };
        var store = StoreOption.Create();
        var command = new Command("status", "Show the sweeps in the store, or one sweep's trials, folds and workers.") { sweep, store };
        command.SetAction(parse => SweepCommand.Guard(() => ShowAsync(parse.GetValue(sweep), parse.GetValue(store)!)));
        return command;
    }

    private static async Task<string> ShowAsync(string? sweepName, string url)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        if (sweepName is null)
        {
            var sweeps = new Table().AddColumns("sweep", "state", "trials", "done", "failed", "running", "pending");
            foreach (var sweep in await store.ListSweepsAsync())
            {
                var progress = await store.ProgressAsync(sweep.Id);
                sweeps.AddRow(Markup.Escape(sweep.Id), sweep.State, progress.Count.ToString(), progress.Sum(p => p.Done).ToString(),
                    progress.Sum(p => p.Failed).ToString(), progress.Sum(p => p.Leased).ToString(), progress.Sum(p => p.Pending).ToString());
            }
            AnsiConsole.Write(sweeps);
        }
        else
        {
            var sweep = await store.FindSweepAsync(sweepName) ?? throw new ArgumentException($"no sweep '{sweepName}' in {store.Location}");
            var progress = await store.ProgressAsync(sweep.Id);
            var results = await store.TrialResultsAsync(sweep.Id);
            var trials = new Table().AddColumns("trial", "state", "done", "failed", "running", "pending", "UF1", "UAR");
            trials.Title = new TableTitle(Markup.Escape($"sweep {sweep.Id} ({sweep.State})"));
            foreach (var trial in progress)
            {
                var overall = results.FirstOrDefault(r => r.TrialId == trial.TrialId && r.Part == TrialAggregator.OverallPart);
                trials.AddRow(Markup.Escape(trial.Label), trial.State, trial.Done.ToString(), trial.Failed.ToString(), trial.Leased.ToString(),
                    trial.Pending.ToString(), overall?.Uf1?.ToString("0.0000") ?? "-", overall?.Uar?.ToString("0.0000") ?? "-");
            }
            AnsiConsole.Write(trials);
            Console.WriteLine(SweepProgressView.Summary(progress, await store.MeanFoldSecondsAsync(sweep.Id), Math.Max(1, progress.Sum(p => p.Leased))));
            foreach (var trial in await store.TrialsAsync(sweep.Id))
                foreach (var fold in (await store.FoldsAsync(trial.Id)).Where(f => f.State == FoldStates.Failed))
                    Console.WriteLine($"failed: {trial.Label} fold {fold.HeldOutSubject} after {fold.Attempt} attempts: {fold.LastError}");
        }
        var now = await store.NowAsync();
        var workers = new Table().AddColumns("worker", "host", "device", "state", "last heartbeat");
        foreach (var worker in await store.WorkersAsync())
            workers.AddRow(Markup.Escape(worker.Name), Markup.Escape(worker.Host), worker.Device, worker.State, $"{(now - worker.HeartbeatAt) / 1000.0:0.0} s ago");
        AnsiConsole.Write(workers);
        return sweepName ?? "";
    }
}

using System.CommandLine;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Store;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer status [SWEEP]`: every sweep in the store with its progress, or one sweep's trials and failed folds, and the
/// cluster's silos (dead ones too, so a killed silo shows as Dead); `--events` (or `--fold ID`) prints the story of the
/// sweep's folds instead, one event a line. Read from the store, so it works with or without a running cluster.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var sweep = new Argument<string?>("sweep") { Description = "A sweep id or name (default: all sweeps).", Arity = ArgumentArity.ZeroOrOne };
        var store = StoreOption.Create();
        var events = new Option<bool>("--events") { Description = "Print every event of the sweep's folds (placed, started, checkpoint, resumed, interrupted, completed, failed), oldest first, with UTC times to the millisecond." };
        var fold = new Option<long?>("--fold") { Description = "Print the events of this fold only (its id, as the events and the silos' logs name it)." };
        var command = new Command("status", "Show the sweeps in the store, or one sweep's trials and failed folds, or its folds' events.") { sweep, store, events, fold };
        command.SetAction(parse => SweepCommand.Guard(() => parse.GetValue(events) || parse.GetValue(fold) is not null
            ? ShowEventsAsync(parse.GetValue(sweep), parse.GetValue(fold), parse.GetValue(store)!)
            : ShowAsync(parse.GetValue(sweep), parse.GetValue(store)!)));
        return command;
    }

    /// <summary>One line per event: time, fold id, held-out subject, trial, attempt, what happened, where, at which epoch, and the message.</summary>
    private static async Task<string> ShowEventsAsync(string? sweepName, long? foldId, string url)
    {
        if (sweepName is null)
            throw new ArgumentException("--events and --fold need a sweep: mer status SWEEP --events");
        await using var store = await CoordinationStore.OpenAsync(url);
        var sweep = await store.FindSweepAsync(sweepName) ?? throw new ArgumentException($"no sweep '{sweepName}' in {store.Location}");
        var folds = (await store.SweepFoldsAsync(sweep.Id)).ToDictionary(f => f.Id);
        if (foldId is { } id && !folds.ContainsKey(id))
            throw new ArgumentException($"sweep {sweep.Id} has no fold {id} (its folds are {folds.Keys.Min()}..{folds.Keys.Max()})");
        var trials = (await store.TrialsAsync(sweep.Id)).ToDictionary(t => t.Id, t => t.Label);
        var events = await store.FoldEventsAsync(sweep.Id, foldId);
        if (events.Count == 0)
            Console.WriteLine(foldId is null ? $"sweep {sweep.Id} has no fold events yet" : $"fold {foldId} of sweep {sweep.Id} has no events yet");
        foreach (var e in events)
            Console.WriteLine($"{DateTimeOffset.FromUnixTimeMilliseconds(e.At):yyyy-MM-ddTHH:mm:ss.fffZ} fold {e.FoldId} "
                + $"({(folds.TryGetValue(e.FoldId, out var f) ? f.HeldOutSubject : "?")}, trial {trials.GetValueOrDefault(e.TrialId, e.TrialId.ToString())}) "
                + $"attempt {e.Attempt} {e.Kind}" + (e.Silo is null ? "" : $" on {e.Silo}") + (e.Device is null ? "" : $" ({e.Device})")
                + (e.Epoch is { } epoch ? $" at epoch {epoch}" : "") + (string.IsNullOrEmpty(e.Message) ? "" : $": {e.Message}"));
        return sweep.Id;
    }

    private static async Task<string> ShowAsync(string? sweepName, string url)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        if (sweepName is null)
        {
            var sweeps = new Table().AddColumns("sweep", "state", "trials", "done", "failed", "running", "pending");
            // Below the table, not in it: the table already fills an 80-column terminal.
            var interrupted = new List<string>();
            foreach (var sweep in await store.ListSweepsAsync())
            {
                var progress = await store.ProgressAsync(sweep.Id);
                sweeps.AddRow(Markup.Escape(sweep.Id), sweep.State, progress.Count.ToString(), progress.Sum(p => p.Done).ToString(),
                    progress.Sum(p => p.Failed).ToString(), progress.Sum(p => p.Running).ToString(), progress.Sum(p => p.Pending).ToString());
                if (progress.Sum(p => p.Interruptions) is > 0 and var interruptions)
                    interrupted.Add($"{sweep.Id}: {progress.Sum(p => p.Interrupted)} fold(s) interrupted, {interruptions} interruption(s) in all");
            }
            AnsiConsole.Write(sweeps);
            foreach (var line in interrupted)
                Console.WriteLine(line);
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
                trials.AddRow(Markup.Escape(trial.Label), trial.State, trial.Done.ToString(), trial.Failed.ToString(), trial.Running.ToString(),
                    trial.Pending.ToString(), overall?.Uf1?.ToString("0.0000") ?? "-", overall?.Uar?.ToString("0.0000") ?? "-");
            }
            AnsiConsole.Write(trials);
            var running = progress.Sum(p => p.Running);
            var mean = await store.MeanFoldSecondsAsync(sweep.Id);
            var left = progress.Sum(p => p.Pending) + running;
            Console.WriteLine($"folds {progress.Sum(p => p.Done)}/{progress.Sum(p => p.Total)} done, {progress.Sum(p => p.Failed)} failed, {running} running, "
                + $"{progress.Sum(p => p.Interrupted)} interrupted ({progress.Sum(p => p.Interruptions)} interruptions)"
                + (mean is { } m && running > 0 ? $"; ETA {TimeSpan.FromSeconds(Math.Ceiling((double)left / running) * m):hh\\:mm\\:ss} at {running} slot(s)" : ""));
            foreach (var trial in await store.TrialsAsync(sweep.Id))
                foreach (var fold in (await store.FoldsAsync(trial.Id)).Where(f => f.State == FoldStates.Failed))
                    Console.WriteLine($"failed: {trial.Label} fold {fold.HeldOutSubject} after {fold.Attempt} attempts: {fold.LastError}");
        }
        var silos = new Table().AddColumns("silo", "host", "endpoint", "status", "started", "last alive");
        silos.Title = new TableTitle("silos");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var silo in await ClusterSilos.ReadAsync(store, now))
            silos.AddRow(Markup.Escape(silo.Name), Markup.Escape(silo.Host), silo.Endpoint, silo.Status,
                DateTimeOffset.FromUnixTimeMilliseconds(silo.StartedAt).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), $"{Math.Max(0, now - silo.AliveAt) / 1000.0:0} s ago");
        AnsiConsole.Write(silos);
        return sweepName ?? "";
    }
}

using System.Diagnostics;
using MerCluster.Orchestration.Grains;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// The live progress of a sweep as its grain reports it: folds done/failed/running/pending per trial, the pooled UF1
/// so far and an ETA from the mean fold time. A live table on a terminal; one line per change when the output is
/// redirected (logs, tests).
/// </summary>
internal sealed class SweepProgressView : IDisposable
{
    private readonly int _slots;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _live;
    private SweepStatus? _latest;
    private (int Done, int Failed) _printed = (-1, -1);
    private TimeSpan _printedAt;
    private bool _disposed;

    public SweepProgressView(int slots)
    {
        _slots = slots;
        if (!Console.IsOutputRedirected)
            _live = Task.Run(LiveAsync);
    }

    public void Show(SweepStatus status)
    {
        lock (_gate)
        {
            _latest = status;
            if (_live is not null)
            {
                _changed.Release();
                return;
            }
            // A line when a fold finishes, and at most one every 30 s otherwise, so a log shows progress without repeating itself.
            if ((status.Done, status.Failed) == _printed && _clock.Elapsed - _printedAt < TimeSpan.FromSeconds(30))
                return;
            (_printed, _printedAt) = ((status.Done, status.Failed), _clock.Elapsed);
            Console.WriteLine(Summary(status, _slots, _clock.Elapsed));
        }
    }

    /// <summary>The ETA: the folds left times the mean fold time, spread over the slots.</summary>
    private static TimeSpan? Remaining(SweepStatus status, int slots)
    {
        if (status.MeanFoldSeconds is not { } mean)
            return null;
        return TimeSpan.FromSeconds(Math.Ceiling((double)(status.Pending + status.Running) / Math.Max(1, slots)) * mean);
    }

    public static string Summary(SweepStatus status, int slots, TimeSpan? elapsed = null)
    {
        var eta = Remaining(status, slots);
        return (elapsed is { } e ? $"{e:hh\\:mm\\:ss} " : "") + $"folds {status.Done}/{status.Total} done, {status.Failed} failed, "
            + $"{status.Running} running; ETA {(eta is { } t ? t.ToString("hh\\:mm\\:ss") : "after the first fold")}";
    }

    private async Task LiveAsync()
    {
        var table = new Table();
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await _changed.WaitAsync(TimeSpan.FromSeconds(1), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
                SweepStatus? status;
                lock (_gate)
                    status = _latest;
                if (status is null)
                    continue;
                Render(table, status);
                context.Refresh();
            }
        });
    }

    private void Render(Table table, SweepStatus status)
    {
        table.Rows.Clear();
        if (table.Columns.Count == 0)
            table.AddColumns("trial", "done", "failed", "running", "pending", "UF1 so far", "UAR so far");
        foreach (var trial in status.Trials)
            table.AddRow(Markup.Escape(trial.Label), $"{trial.Done}/{trial.Total}", trial.Failed > 0 ? $"[red]{trial.Failed}[/]" : "0",
                trial.Running.ToString(), trial.Pending.ToString(), Format(trial.Uf1), Format(trial.Uar));
        table.Title = new TableTitle(Markup.Escape($"sweep {status.SweepId}"));
        table.Caption = new TableTitle(Markup.Escape(Summary(status, _slots, _clock.Elapsed)));
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.0000") : "-";

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _stop.Cancel();
        _live?.GetAwaiter().GetResult();
        _stop.Dispose();
    }
}

using System.Text;

namespace MerCluster.Orchestration.Reports;

/// <summary>The report as Markdown: the trials table (best trial starred), the per-fold table, failed folds, the best trial's confusion matrices.</summary>
public static class MarkdownReport
{
    public const string BestMark = "★";

    public static string Render(SweepReport report)
    {
        var md = new StringBuilder();
        var groups = ReportTable.Groups(report);
        var keys = ReportTable.GridKeys(report);
        var best = ReportTable.Best(report);

        md.Append("# Sweep ").Append(Cell(report.Sweep)).Append("\n\n");
        md.Append("Leave-one-subject-out; UF1 and UAR pooled over all folds; classes: ")
          .Append(string.Join(", ", report.Classes)).Append(". ")
          .Append(BestMark).Append(" marks the best trial by ").Append(groups[0].Header).Append(" UF1.\n\n");

        md.Append("| | Trial |");
        foreach (var key in keys)
            md.Append(' ').Append(Cell(key)).Append(" |");
        foreach (var (_, header) in groups)
            md.Append(' ').Append(header).Append(" UF1 | ").Append(header).Append(" UAR |");
        md.Append(" Acc | n | Failed folds |\n|---|---|");
        md.Append(string.Concat(Enumerable.Repeat("---|", keys.Count + 2 * groups.Count + 3))).Append('\n');
        foreach (var trial in report.Trials)
        {
            var isBest = ReferenceEquals(trial, best);
            md.Append("| ").Append(isBest ? BestMark : "").Append(" | ")
              .Append(isBest ? $"**{trial.Trial.Id}**" : trial.Trial.Id).Append(" |");
            foreach (var key in keys)
                md.Append(' ').Append(Cell(ReportTable.GridValue(trial, key) ?? "")).Append(" |");
            foreach (var (group, _) in groups)
            {
                var s = ReportTable.ScoresOf(trial, group);
                md.Append(' ').Append(Bold(ReportTable.Number(s.Uf1, "—"), isBest)).Append(" | ")
                  .Append(Bold(ReportTable.Number(s.Uar, "—"), isBest)).Append(" |");
            }
            var overall = ReportTable.ScoresOf(trial, ReportTable.Overall);
            md.Append(' ').Append(ReportTable.Number(overall.Acc, "—")).Append(" | ").Append(overall.N)
              .Append(" | ").Append(trial.FailedFolds.Count).Append(" |\n");
        }

        var pending = report.Trials.Where(t => t.Score is null || t.Score.MissingSamples > 0).ToArray();
        if (pending.Length > 0)
            md.Append("\nIncomplete: ").Append(string.Join(", ", pending.Select(t =>
                $"{t.Trial.Id} ({(t.Score is null ? "no fold done" : $"{t.Score.MissingSamples} {(t.Score.MissingSamples == 1 ? "sample" : "samples")} without prediction")})"))).Append(".\n");

        AppendFolds(md, report);
        AppendFailures(md, report);
        AppendInterruptions(md, report);
        if (best is not null)
        {
            md.Append("\n## Confusion matrices of the best trial (").Append(Cell(best.Trial.Label)).Append(")\n\n");
            foreach (var (group, header) in groups)
                md.Append("![").Append(header).Append("](").Append(ReportWriter.ConfusionFile(best, group)).Append(")\n");
        }
        return md.ToString();
    }

    private static void AppendFolds(StringBuilder md, SweepReport report)
    {
        var folds = ReportTable.Folds(report);
        if (folds.Count == 0)
            return;
        md.Append("\n## Per fold (UF1 / UAR of the fold's own predictions; diagnosis only)\n\n| Fold | Database |");
        foreach (var trial in report.Trials)
            md.Append(' ').Append(trial.Trial.Id).Append(" |");
        md.Append("\n|---|---|").Append(string.Concat(Enumerable.Repeat("---|", report.Trials.Count))).Append('\n');
        foreach (var (fold, database) in folds)
        {
            md.Append("| ").Append(fold).Append(" | ").Append(ReportTable.PartName(database)).Append(" |");
            foreach (var trial in report.Trials)
            {
                var status = ReportTable.Status(trial, fold, out var s, out _);
                md.Append(' ').Append(status switch
                {
                    FoldStatus.Failed => "failed",
                    FoldStatus.Pending => "pending",
                    _ => $"{ReportTable.Number(s.Uf1, "—")} / {ReportTable.Number(s.Uar, "—")} (n={s.N})",
                }).Append(" |");
            }
            md.Append('\n');
        }
    }

    private static void AppendFailures(StringBuilder md, SweepReport report)
    {
        var failures = report.Trials.SelectMany(t => t.FailedFolds.Select(f => (t, f))).ToArray();
        md.Append("\n## Failed folds\n\n");
        if (failures.Length == 0)
        {
            md.Append("None.\n");
            return;
        }
        foreach (var (trial, failed) in failures)
            md.Append("- ").Append(trial.Trial.Id).Append(" (").Append(Cell(trial.Trial.Label)).Append("), fold ")
              .Append(failed.Fold).Append(", after ").Append(failed.Attempts).Append(failed.Attempts == 1 ? " attempt: " : " attempts: ")
              .Append(Cell(ReportTable.OneLine(failed.Error))).Append('\n');
    }

    /// <summary>Folds whose silo died or stopped under them: they resumed from their checkpoint, but a fold listed often may be what brings its silo down.</summary>
    private static void AppendInterruptions(StringBuilder md, SweepReport report)
    {
        var interrupted = report.Trials.SelectMany(t => t.Interruptions.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => (t, i.Key, i.Value))).ToArray();
        if (interrupted.Length == 0)
            return;
        md.Append("\n## Interrupted folds\n\n");
        foreach (var (trial, fold, count) in interrupted)
            md.Append("- ").Append(trial.Trial.Id).Append(" (").Append(Cell(trial.Trial.Label)).Append("), fold ")
              .Append(fold).Append(": ").Append(count).Append(count == 1 ? " interruption\n" : " interruptions\n");
    }

    private static string Bold(string text, bool bold) => bold ? $"**{text}**" : text;

    private static string Cell(string text) => text.Replace("|", "\\|");
}

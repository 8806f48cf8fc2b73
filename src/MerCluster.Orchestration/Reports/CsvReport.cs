using System.Globalization;
using System.Text;

namespace MerCluster.Orchestration.Reports;

/// <summary>
/// The report as two CSV tables for spreadsheets and plotting: one row per trial (trials.csv) and one row per
/// trial and fold (folds.csv). Scores are written at full precision; an undefined score is an empty field.
/// </summary>
public static class CsvReport
{
    public static string RenderTrials(SweepReport report)
    {
        var keys = ReportTable.GridKeys(report);
        var groups = new[] { ReportTable.Overall }.Concat(report.Parts).ToArray();
        var best = ReportTable.Best(report);
        var header = new List<string> { "trial_index", "trial_id", "label" };
        header.AddRange(keys);
        header.Add("best");
        foreach (var g in groups)
            header.AddRange([$"{g}_uf1", $"{g}_uar", $"{g}_acc", $"{g}_n"]);
        header.AddRange(["failed_folds", "missing_samples"]);

        var csv = new StringBuilder();
        Row(csv, header);
        foreach (var trial in report.Trials)
        {
            var row = new List<string> { trial.Trial.Index.ToString(CultureInfo.InvariantCulture), trial.Trial.Id, trial.Trial.Label };
            row.AddRange(keys.Select(k => trial.Trial.Overrides.FirstOrDefault(o => o.Key == k)?.Value ?? ""));
            row.Add(ReferenceEquals(trial, best) ? "true" : "false");
            foreach (var g in groups)
            {
                var s = ReportTable.ScoresOf(trial, g);
                row.AddRange([Number(s.Uf1), Number(s.Uar), Number(s.Acc), s.N.ToString(CultureInfo.InvariantCulture)]);
            }
            row.Add(trial.FailedFolds.Count.ToString(CultureInfo.InvariantCulture));
            row.Add(trial.Score?.MissingSamples.ToString(CultureInfo.InvariantCulture) ?? "");
            Row(csv, row);
        }
        return csv.ToString();
    }

    public static string RenderFolds(SweepReport report)
    {
        var csv = new StringBuilder();
        Row(csv, ["trial_id", "label", "fold", "database", "status", "uf1", "uar", "acc", "n", "attempts", "error", "interruptions"]);
        var folds = ReportTable.Folds(report);
        foreach (var trial in report.Trials)
            foreach (var (fold, database) in folds)
            {
                var status = ReportTable.Status(trial, fold, out var s, out var failed);
                Row(csv, [trial.Trial.Id, trial.Trial.Label, fold, database, status.ToString().ToLowerInvariant(),
                    Number(s.Uf1), Number(s.Uar), Number(s.Acc), s.N.ToString(CultureInfo.InvariantCulture),
                    failed?.Attempts.ToString(CultureInfo.InvariantCulture) ?? "", failed is null ? "" : ReportTable.OneLine(failed.Error),
                    trial.InterruptionsOf(fold).ToString(CultureInfo.InvariantCulture)]);
            }
        return csv.ToString();
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static void Row(StringBuilder csv, IEnumerable<string> fields)
    {
        csv.Append(string.Join(",", fields.Select(f =>
            f.IndexOfAny([',', '"', '\n', '\r']) < 0 ? f : $"\"{f.Replace("\"", "\"\"")}\"")));
        csv.Append('\n');
    }
}

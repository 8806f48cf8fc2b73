using System.Globalization;
using MerCluster.Core.Metrics;

namespace MerCluster.Orchestration.Reports;

/// <summary>What every format shows the same way: column groups, the best trial, the swept keys, fold status, number format.</summary>
public static class ReportTable
{
    /// <summary>The key under which the whole set's scores appear next to the parts' (JSON, CSV prefixes).</summary>
    public const string Overall = "overall";

    /// <summary>
    /// The score groups of the main table: the whole set first, then each part. With one part (single-database LOSO)
    /// the whole set is that part, so it is the only group.
    /// </summary>
    public static IReadOnlyList<(string Key, string Header)> Groups(SweepReport report) =>
        report.Parts.Count == 1
            ? [(Overall, PartName(report.Parts[0]))]
            : [(Overall, "Composite"), .. report.Parts.Select(p => (p, PartName(p)))];

    /// <summary>How the papers name the databases.</summary>
    public static string PartName(string database) => database switch
    {
        "smic" => "SMIC",
        "casme2" => "CASME II",
        "samm" => "SAMM",
        _ => database,
    };

    /// <summary>The confusion matrix behind a group of <see cref="Groups"/>.</summary>
    public static ConfusionMatrix? Matrix(TrialReport trial, string group) =>
        trial.Score is null ? null
        : group == Overall ? trial.Score.Overall
        : trial.Score.Parts.TryGetValue(group, out var m) ? m : null;

    public static Scores ScoresOf(TrialReport trial, string group) => Matrix(trial, group)?.Scores ?? Scores.Empty;

    /// <summary>The trial with the highest pooled UF1 over the whole set (the earlier trial on a tie); null when none has scores.</summary>
    public static TrialReport? Best(SweepReport report) =>
        report.Trials.Where(t => t.Score?.Overall.Scores.Uf1 is not null)
            .OrderByDescending(t => t.Score!.Overall.Scores.Uf1!.Value)
            .ThenBy(t => t.Trial.Index)
            .FirstOrDefault();

    /// <summary>The swept keys, in grid order, as the trials carry them.</summary>
    public static IReadOnlyList<string> GridKeys(SweepReport report) =>
        report.Trials.SelectMany(t => t.Trial.Overrides.Select(o => o.Key)).Distinct().ToArray();

    public static string? GridValue(TrialReport trial, string key) =>
        trial.Trial.Overrides.FirstOrDefault(o => o.Key == key)?.DisplayValue;

    /// <summary>
    /// The rows of the per-fold table: every fold any trial knows, in protocol order. A trial with no fold done has
    /// no scores to list its folds, so its failed folds take their database from the LOSO fold name's prefix.
    /// </summary>
    public static IReadOnlyList<(string Fold, string Database)> Folds(SweepReport report) =>
        report.Trials.Where(t => t.Score is not null).SelectMany(t => t.Score!.Folds.Select(f => (f.Fold, f.Database)))
            .Concat(report.Trials.SelectMany(t => t.FailedFolds.Select(f => (f.Fold, Database: f.Fold.Split('/')[0]))))
            .Distinct().ToArray();

    public static FoldStatus Status(TrialReport trial, string fold, out Scores scores, out FailedFold? failed)
    {
        failed = trial.FailedFolds.FirstOrDefault(f => f.Fold == fold);
        scores = trial.Score?.Folds.FirstOrDefault(f => f.Fold == fold)?.Scores ?? Scores.Empty;
        return failed is not null ? FoldStatus.Failed : scores.N > 0 ? FoldStatus.Done : FoldStatus.Pending;
    }

    /// <summary>Four decimals, as the papers print UF1 and UAR.</summary>
    public static string Number(double? value, string missing) =>
        value is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : missing;

    /// <summary>A one-line form of an error text for tables.</summary>
    public static string OneLine(string text) =>
        string.Join(" ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
}

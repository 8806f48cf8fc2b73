namespace MerCluster.Orchestration.Reports;

/// <summary>Writes a report in one format to a directory, with a confusion-matrix SVG per trial and group next to it.</summary>
public static class ReportWriter
{
    /// <summary>Where a trial's confusion matrix for a group (<c>overall</c> or a part) goes, relative to the report.</summary>
    public static string ConfusionFile(TrialReport trial, string group) => $"confusion/{trial.Trial.Id}-{group}.svg";

    /// <summary>The report files of a format, as (file name, text), the main table first; nothing is written.</summary>
    public static IReadOnlyList<(string Name, string Text)> Render(SweepReport report, ReportFormat format) => format switch
    {
        ReportFormat.Md => [("report.md", MarkdownReport.Render(report))],
        ReportFormat.Csv => [("trials.csv", CsvReport.RenderTrials(report)), ("folds.csv", CsvReport.RenderFolds(report))],
        ReportFormat.Json => [("report.json", JsonReport.Render(report))],
        ReportFormat.Latex => [("report.tex", LatexReport.Render(report))],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown report format"),
    };

    /// <summary>Writes <see cref="Render"/>'s files and the SVGs; returns the paths written, report files first.</summary>
    public static IReadOnlyList<string> Write(SweepReport report, ReportFormat format, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var (name, text) in Render(report, format))
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            written.Add(path);
        }
        foreach (var trial in report.Trials)
            foreach (var group in ReportTable.Groups(report))
            {
                if (RenderConfusion(report, trial, group) is not { } svg)
                    continue;
                var path = Path.Combine(directory, ConfusionFile(trial, group.Key));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, svg);
                written.Add(path);
            }
        return written;
    }

    /// <summary>The SVG of a trial's confusion matrix for a group of <see cref="ReportTable.Groups"/>; null while the trial has no predictions.</summary>
    public static string? RenderConfusion(SweepReport report, TrialReport trial, (string Key, string Header) group) =>
        ReportTable.Matrix(trial, group.Key) is { } matrix ? ConfusionMatrixSvg.Render(matrix, $"{report.Sweep} {trial.Trial.Label}: {group.Header}") : null;
}

using System.Globalization;
using System.Text;
using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;
using static MerCluster.Server.Pages.PageLayout;

namespace MerCluster.Server.Pages;

/// <summary>
/// A sweep's results at /sweeps/{id}: its progress and ETA, the report downloads, the trials table (grid values,
/// pooled UF1/UAR/Acc of the whole set and of each database, failed folds, the best trial starred), the confusion
/// matrices of the best trial (or of the one asked for with <c>?trial=</c>), the per-fold diagnostics and the failed
/// folds' errors. Each part that changes while folds finish is an element with an id and <c>data-part</c>, which the
/// page's script swaps in place.
/// </summary>
public static class SweepPage
{
    public static string Render(SweepPageData data, string? trialAsked)
    {
        var sweep = data.Sweep;
        var report = data.Report;
        var path = SweepPath(sweep.Id);
        var html = new StringBuilder();
        html.Append("<h1>Sweep ").Append(Text(sweep.Name)).Append(" <span class=\"id\">").Append(Text(sweep.Id)).Append("</span></h1>\n");
        Summary(html, data);
        Downloads(html, data);
        Trials(html, data, path);
        Confusion(html, data, path, trialAsked);
        Folds(html, data);
        Failures(html, report);
        return Document($"Sweep {sweep.Name}", sweep.State == SweepStates.Running ? $"/api{path}/progress" : null, html.ToString());
    }

    private static void Summary(StringBuilder html, SweepPageData data)
    {
        var folds = data.Folds;
        html.Append("<section id=\"summary\" data-part data-state=\"").Append(Text(data.Sweep.State)).Append("\">\n")
            .Append("<p role=\"status\"><strong class=\"state-").Append(Text(data.Sweep.State)).Append("\">").Append(Text(data.Sweep.State)).Append("</strong>: folds ")
            .Append(Progress(folds)).Append(" done, <span data-count=\"running\">").Append(folds.Running).Append("</span> running, ")
            .Append("<span data-count=\"failed\">").Append(folds.Failed).Append("</span> failed, <span data-count=\"pending\">").Append(folds.Pending)
            .Append("</span> pending").Append(SweepEta.Text(data.Sweep.State, folds, data.MeanFoldSeconds) is { } eta ? $"; ETA <span data-eta>{eta}</span>" : "").Append("</p>\n")
            .Append("<p class=\"note\">").Append(data.Report.Trials.Count).Append(data.Report.Trials.Count == 1 ? " trial" : " trials")
            .Append(", submitted ").Append(Time(data.Sweep.CreatedAt)).Append("; classes: ").Append(Text(string.Join(", ", data.Report.Classes)))
            .Append(data.Sweep.State == SweepStates.Running ? ". This page updates as folds finish." : ".").Append("</p>\n</section>\n");
    }

    private static void Downloads(StringBuilder html, SweepPageData data)
    {
        html.Append("<nav id=\"downloads\" aria-label=\"Report downloads\"><h2>Report</h2>\n<ul class=\"inline\">\n");
        foreach (var format in Enum.GetValues<ReportFormat>())
            foreach (var (name, _) in ReportWriter.Render(data.Report, format))
                html.Append("<li><a href=\"").Append(SweepPath(data.Sweep.Id)).Append('/').Append(name).Append("\" download>").Append(name).Append("</a></li>\n");
        html.Append("</ul>\n</nav>\n");
    }

    private static void Trials(StringBuilder html, SweepPageData data, string path)
    {
        var report = data.Report;
        var groups = ReportTable.Groups(report);
        var keys = ReportTable.GridKeys(report);
        var best = ReportTable.Best(report);
        html.Append("<section id=\"trials\" data-part>\n<h2>Trials</h2>\n<div class=\"scroll\">\n<table>\n<caption>UF1, UAR and accuracy pooled over the folds done so far; ")
            .Append("<span aria-hidden=\"true\">").Append(MarkdownReport.BestMark).Append("</span> marks the best trial by ").Append(groups[0].Header).Append(" UF1.</caption>\n")
            .Append("<colgroup span=\"").Append(1 + keys.Count).Append("\"></colgroup>")
            .Append(string.Concat(groups.Select(_ => "<colgroup span=\"3\"></colgroup>"))).Append("<colgroup span=\"4\"></colgroup>\n")
            .Append("<thead><tr><th scope=\"col\" rowspan=\"2\">Trial</th>");
        foreach (var key in keys)
            html.Append("<th scope=\"col\" rowspan=\"2\">").Append(Text(key)).Append("</th>");
        foreach (var (_, header) in groups)
            html.Append("<th scope=\"colgroup\" colspan=\"3\">").Append(header).Append("</th>");
        html.Append("<th scope=\"col\" rowspan=\"2\">n</th><th scope=\"col\" rowspan=\"2\">Folds done</th><th scope=\"col\" rowspan=\"2\">Failed</th>")
            .Append("<th scope=\"col\" rowspan=\"2\">Confusion</th></tr>\n<tr>")
            .Append(string.Concat(groups.Select(_ => "<th scope=\"col\">UF1</th><th scope=\"col\">UAR</th><th scope=\"col\">Acc</th>")))
            .Append("</tr></thead>\n<tbody>\n");
        foreach (var trial in data.Trials)
        {
            var grid = trial.Report.Trial;
            var isBest = ReferenceEquals(trial.Report, best);
            var counts = trial.Counts;
            html.Append("<tr data-label=\"").Append(Text(grid.Label)).Append('"').Append(isBest ? " class=\"best\"" : "").Append("><th scope=\"row\">");
            if (isBest)
                html.Append("<span class=\"best-mark\" title=\"best trial\">").Append(MarkdownReport.BestMark).Append("</span><span class=\"visually-hidden\">best: </span>");
            html.Append(Text(grid.Id)).Append("</th>");
            foreach (var key in keys)
                html.Append("<td>").Append(Text(ReportTable.GridValue(trial.Report, key) ?? "")).Append("</td>");
            foreach (var (group, _) in groups)
            {
                var s = ReportTable.ScoresOf(trial.Report, group);
                Score(html, group, "uf1", s.Uf1);
                Score(html, group, "uar", s.Uar);
                Score(html, group, "acc", s.Acc);
            }
            html.Append("<td class=\"num\" data-score=\"overall.n\">").Append(ReportTable.ScoresOf(trial.Report, ReportTable.Overall).N).Append("</td>")
                .Append("<td class=\"num\">").Append(Progress(counts, bar: false)).Append("</td>")
                .Append("<td class=\"num").Append(counts.Failed > 0 ? " failed" : "").Append("\" data-count=\"failed\">").Append(counts.Failed).Append("</td>")
                .Append("<td><a href=\"").Append(path).Append("?trial=").Append(Uri.EscapeDataString(grid.Id)).Append("#confusion\" aria-label=\"confusion matrices of trial ")
                .Append(Text(grid.Id)).Append("\">matrices</a></td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</div>\n</section>\n");
    }

    private static void Score(StringBuilder html, string group, string metric, double? value) =>
        html.Append("<td class=\"num\" data-score=\"").Append(Text(group)).Append('.').Append(metric).Append("\">").Append(ReportTable.Number(value, "–")).Append("</td>");

    private static void Confusion(StringBuilder html, SweepPageData data, string path, string? trialAsked)
    {
        var report = data.Report;
        var shown = report.Trials.FirstOrDefault(t => t.Trial.Id == trialAsked)
            ?? ReportTable.Best(report) ?? report.Trials.FirstOrDefault(t => t.Score is not null);
        html.Append("<section id=\"confusion\" aria-labelledby=\"confusion-title\">\n<h2 id=\"confusion-title\" data-part>");
        if (shown is null)
            html.Append("Confusion matrices</h2>\n");
        else
            html.Append("Confusion matrices of ").Append(ReferenceEquals(shown, ReportTable.Best(report)) ? "the best trial, " : "trial ")
                .Append(Text(shown.Trial.Id)).Append(" (").Append(Text(shown.Trial.Label)).Append(")</h2>\n");
        html.Append("<div class=\"figures\">\n");
        foreach (var group in ReportTable.Groups(report))
        {
            html.Append("<figure id=\"confusion-").Append(Text(group.Key)).Append("\" data-part>");
            if (shown is not null && ReportTable.Matrix(shown, group.Key) is { } matrix)
            {
                var s = matrix.Scores;
                html.Append("<img src=\"").Append(path).Append('/').Append(ReportWriter.ConfusionFile(shown, group.Key)).Append("?n=").Append(matrix.N)
                    .Append("\" alt=\"").Append(Text(Description(matrix))).Append("\">")
                    .Append("<figcaption>").Append(group.Header).Append(": UF1 ").Append(ReportTable.Number(s.Uf1, "–")).Append(", UAR ")
                    .Append(ReportTable.Number(s.Uar, "–")).Append(", n = ").Append(matrix.N).Append("</figcaption>");
            }
            else
                html.Append("<p class=\"placeholder\">").Append(group.Header).Append(": no predictions yet</p>");
            html.Append("</figure>\n");
        }
        html.Append("</div>\n</section>\n");
    }

    /// <summary>The matrix in words for the image's alternative text: each true class with its predictions.</summary>
    private static string Description(ConfusionMatrix matrix) =>
        "Confusion matrix, true class by predicted class: " + string.Join("; ", matrix.Classes.Select((c, r) =>
            $"{c} predicted as " + string.Join(", ", matrix.Classes.Select((p, k) => $"{p} {matrix.Counts[r][k]}"))));

    private static void Folds(StringBuilder html, SweepPageData data)
    {
        var databases = ReportTable.Folds(data.Report).ToDictionary(f => f.Fold, f => f.Database);
        var subjects = data.Trials.SelectMany(t => t.Folds.Select(f => f.HeldOutSubject)).Distinct().ToList();
        html.Append("<section id=\"folds\" data-part>\n<h2 id=\"folds-title\">Per fold</h2>\n<div class=\"scroll\" id=\"folds-scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"folds-title\">\n<table>\n")
            .Append("<caption>Each fold's own UF1 / UAR on its held-out subject, for diagnosis; the results of record are pooled above.</caption>\n")
            .Append("<thead><tr><th scope=\"col\">Held-out subject</th><th scope=\"col\">Database</th>");
        foreach (var trial in data.Trials)
            html.Append("<th scope=\"col\">").Append(Text(trial.Report.Trial.Id)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var subject in subjects)
        {
            var database = databases.GetValueOrDefault(subject) ?? subject.Split('/')[0];
            html.Append("<tr data-fold=\"").Append(Text(subject)).Append("\"><th scope=\"row\">").Append(Text(subject)).Append("</th><td>")
                .Append(Text(ReportTable.PartName(database))).Append("</td>");
            foreach (var trial in data.Trials)
                FoldCell(html, trial, subject);
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</div>\n</section>\n");
    }

    private static void FoldCell(StringBuilder html, TrialFolds trial, string subject)
    {
        html.Append("<td data-trial=\"").Append(Text(trial.Report.Trial.Label)).Append('"');
        if (trial.Folds.FirstOrDefault(f => f.HeldOutSubject == subject) is not { } fold)
        {
            html.Append("></td>");
            return;
        }
        html.Append(" class=\"fold-").Append(Text(fold.State)).Append('"');
        var status = ReportTable.Status(trial.Report, subject, out var scores, out var failed);
        if (fold.State == FoldStates.Done && status == FoldStatus.Done)
            html.Append("><span data-metric=\"uf1\">").Append(ReportTable.Number(scores.Uf1, "–")).Append("</span> / <span data-metric=\"uar\">")
                .Append(ReportTable.Number(scores.Uar, "–")).Append("</span> <span class=\"n\">n=").Append(scores.N).Append("</span>");
        else if (fold.State == FoldStates.Failed)
            html.Append(" title=\"").Append(Text(ReportTable.OneLine(failed?.Error ?? fold.LastError ?? ""))).Append("\">failed after ")
                .Append(fold.Attempt).Append(fold.Attempt == 1 ? " attempt" : " attempts");
        else if (fold.State == FoldStates.Running)
            html.Append(">running").Append(fold.Silo is null ? "" : $" on {Text(fold.Silo)}")
                .Append(fold.Attempt > 1 ? string.Create(CultureInfo.InvariantCulture, $" (attempt {fold.Attempt})") : "");
        else
            html.Append('>').Append(Text(fold.State)).Append(fold.Failures > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({fold.Failures} failed)") : "")
                .Append(fold.Interruptions > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({fold.Interruptions} interrupted)") : "");
        html.Append("</td>");
    }

    private static void Failures(StringBuilder html, SweepReport report)
    {
        var failures = report.Trials.SelectMany(t => t.FailedFolds.Select(f => (Trial: t, Fold: f))).ToList();
        html.Append("<section id=\"failures\" data-part>\n<h2>Failed folds</h2>\n");
        if (failures.Count == 0)
            html.Append("<p>None.</p>\n");
        else
        {
            html.Append("<ul>\n");
            foreach (var (trial, fold) in failures)
                html.Append("<li>").Append(Text(trial.Trial.Id)).Append(" (").Append(Text(trial.Trial.Label)).Append("), fold ").Append(Text(fold.Fold))
                    .Append(", after ").Append(fold.Attempts).Append(fold.Attempts == 1 ? " attempt: " : " attempts: ")
                    .Append("<code>").Append(Text(ReportTable.OneLine(fold.Error))).Append("</code></li>\n");
            html.Append("</ul>\n");
        }
        html.Append("</section>\n");
    }
}

using System.Text;
using MerCluster.Orchestration.Store;
using static MerCluster.Server.Pages.PageLayout;

namespace MerCluster.Server.Pages;

/// <summary>The page at /: every sweep in the store, newest first, with its folds by state, an ETA and a link to its results.</summary>
public static class SweepListPage
{
    public sealed record Row(SweepRecord Sweep, int Trials, FoldCounts Folds, double? MeanFoldSeconds);

    public static async Task<IReadOnlyList<Row>> LoadAsync(CoordinationStore store, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        foreach (var sweep in (await store.ListSweepsAsync(cancellationToken)).Reverse())
        {
            var progress = await store.ProgressAsync(sweep.Id, cancellationToken);
            rows.Add(new Row(sweep, progress.Count, FoldCounts.Of(progress),
                sweep.State == SweepStates.Running ? await store.MeanFoldSecondsAsync(sweep.Id, cancellationToken) : null));
        }
        return rows;
    }

    public static string Render(IReadOnlyList<Row> rows)
    {
        var html = new StringBuilder();
        html.Append("<h1>Sweeps</h1>\n<section id=\"sweeps\" data-part>\n");
        if (rows.Count == 0)
            html.Append("<p>No sweeps yet: submit one with <code>mer sweep submit</code> or <code>POST /api/sweeps</code>.</p>\n");
        else
        {
            html.Append("<div class=\"scroll\">\n<table>\n<caption>Every sweep in the store, newest first; the list updates by itself.</caption>\n<thead><tr>")
                .Append("<th scope=\"col\">Sweep</th><th scope=\"col\">State</th><th scope=\"col\">Trials</th><th scope=\"col\">Folds done</th>")
                .Append("<th scope=\"col\">Running</th><th scope=\"col\">Failed</th><th scope=\"col\">Pending</th><th scope=\"col\">ETA</th>")
                .Append("<th scope=\"col\">Submitted</th></tr></thead>\n<tbody>\n");
            foreach (var row in rows)
            {
                var sweep = row.Sweep;
                html.Append("<tr data-sweep=\"").Append(Text(sweep.Id)).Append("\"><th scope=\"row\"><a href=\"").Append(SweepPath(sweep.Id)).Append("\">")
                    .Append(Text(sweep.Name)).Append("</a> <span class=\"id\">").Append(Text(sweep.Id)).Append("</span></th>")
                    .Append("<td class=\"state-").Append(Text(sweep.State)).Append("\">").Append(Text(sweep.State)).Append("</td>")
                    .Append("<td class=\"num\">").Append(row.Trials).Append("</td>")
                    .Append("<td class=\"num\">").Append(Progress(row.Folds)).Append("</td>")
                    .Append("<td class=\"num\">").Append(row.Folds.Running).Append("</td>")
                    .Append("<td class=\"num").Append(row.Folds.Failed > 0 ? " failed" : "").Append("\">").Append(row.Folds.Failed).Append("</td>")
                    .Append("<td class=\"num\">").Append(row.Folds.Pending).Append("</td>")
                    .Append("<td>").Append(SweepEta.Text(sweep.State, row.Folds, row.MeanFoldSeconds) ?? "–").Append("</td>")
                    .Append("<td>").Append(Time(sweep.CreatedAt)).Append("</td></tr>\n");
            }
            html.Append("</tbody>\n</table>\n</div>\n");
        }
        html.Append("</section>\n");
        return Document("Sweeps", "poll", html.ToString());
    }
}

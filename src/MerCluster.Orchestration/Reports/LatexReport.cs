using System.Text;

namespace MerCluster.Orchestration.Reports;

/// <summary>
/// The trials table as a LaTeX table (booktabs) ready to paste into a paper: one row per trial, UF1 and UAR per
/// group, the best trial's row in bold. Text from the sweep (keys, values, names) is escaped.
/// </summary>
public static class LatexReport
{
    public static string Render(SweepReport report)
    {
        var groups = ReportTable.Groups(report);
        var keys = ReportTable.GridKeys(report);
        var best = ReportTable.Best(report);
        var leading = 1 + keys.Count;
        var tex = new StringBuilder();
        tex.Append("% Requires \\usepackage{booktabs}.\n");
        tex.Append("\\begin{table}[t]\n\\centering\n");
        tex.Append("\\caption{Sweep ").Append(Escape(report.Sweep))
           .Append(": leave-one-subject-out UF1 and UAR pooled over all folds; best trial (by ")
           .Append(Escape(groups[0].Header)).Append(" UF1) in bold.}\n");
        tex.Append("\\begin{tabular}{").Append(new string('l', leading)).Append(string.Concat(groups.Select(_ => "cc"))).Append("}\n");
        tex.Append("\\toprule\n");
        tex.Append(string.Concat(Enumerable.Repeat(" &", leading - 1)));
        foreach (var (_, header) in groups)
            tex.Append(" & \\multicolumn{2}{c}{").Append(Escape(header)).Append('}');
        tex.Append(" \\\\\n");
        for (var g = 0; g < groups.Count; g++)
        {
            var first = leading + 1 + 2 * g;
            tex.Append("\\cmidrule(lr){").Append(first).Append('-').Append(first + 1).Append('}');
        }
        tex.Append('\n');
        tex.Append("Trial");
        foreach (var key in keys)
            tex.Append(" & ").Append(Escape(key));
        tex.Append(string.Concat(groups.Select(_ => " & UF1 & UAR"))).Append(" \\\\\n\\midrule\n");
        foreach (var trial in report.Trials)
        {
            var isBest = ReferenceEquals(trial, best);
            var cells = new List<string> { Escape(trial.Trial.Id) };
            cells.AddRange(keys.Select(k => Escape(ReportTable.GridValue(trial, k) ?? "")));
            foreach (var (group, _) in groups)
            {
                var s = ReportTable.ScoresOf(trial, group);
                cells.Add(ReportTable.Number(s.Uf1, "--"));
                cells.Add(ReportTable.Number(s.Uar, "--"));
            }
            tex.Append(string.Join(" & ", isBest ? cells.Select(c => $"\\textbf{{{c}}}") : cells)).Append(" \\\\\n");
        }
        tex.Append("\\bottomrule\n\\end{tabular}\n\\end{table}\n");
        return tex.ToString();
    }

    /// <summary>Makes text safe in LaTeX's text mode: <c>weight_decay</c> becomes <c>weight\_decay</c>.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            sb.Append(c switch
            {
                '\\' => "\\textbackslash{}",
                '&' or '%' or '$' or '#' or '_' or '{' or '}' => $"\\{c}",
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                _ => c.ToString(),
            });
        return sb.ToString();
    }
}

using System.Text.Json;
using System.Xml.Linq;
using MerCluster.Core.Features;
using MerCluster.Core.Grids;
using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Reports;

namespace MerCluster.Orchestration.Tests;

public class ReportTests
{
    private static readonly FeatureSample[] Samples =
    [
        new("smic/s1/a", "smic/s1", "smic", "negative"),
        new("smic/s1/b", "smic/s1", "smic", "positive"),
        new("smic/s2/c", "smic/s2", "smic", "surprise"),
        new("casme2/sub01/d", "casme2/sub01", "casme2", "negative"),
        new("casme2/sub02/e", "casme2/sub02", "casme2", "positive"),
        new("samm/006/f", "samm/006", "samm", "surprise"),
        new("samm/006/g", "samm/006", "samm", "negative"),
    ];

    /// <summary>
    /// Three trials of an alpha x weight_decay grid: trial 0 gets everything right but casme2/sub02 failed, and its
    /// smic/s1 fold was interrupted twice; trial 1 calls everything negative; trial 2 has no fold done yet.
    /// </summary>
    private static SweepReport Sweep()
    {
        var grid = Grid.Parse(Core.Configuration.YamlOptions.ParseMapping(
            "grid:\n  model.alpha: [0.1]\n  train.weight_decay: [0.01, 0.05, 0.1]\n", "s.yaml")["grid"], "s.yaml");
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);
        Prediction Right(FeatureSample s) => new(s.SampleId, s.Subject, s.Database, s.Label, s.Label);
        Prediction Negative(FeatureSample s) => new(s.SampleId, s.Subject, s.Database, s.Label, "negative");
        return new SweepReport("msmmt_alpha", loso.Classes, loso.Parts,
        [
            new TrialReport(grid.Trials[0], loso.Score(Samples.Where(s => s.Subject != "casme2/sub02").Select(Right)),
                [new FailedFold("casme2/sub02", 3, "TrainingException: NaN loss\nat epoch 4")])
            {
                Interruptions = new Dictionary<string, int> { ["smic/s1"] = 2 },
            },
            new TrialReport(grid.Trials[1], loso.Score(Samples.Select(Negative)), []),
            new TrialReport(grid.Trials[2], null, []),
        ]);
    }

    [Fact]
    public void Markdown_has_a_row_per_trial_with_the_grid_values_and_part_scores_and_stars_the_best()
    {
        var report = Sweep();
        var md = MarkdownReport.Render(report);
        var lines = md.Split('\n');

        Assert.Contains("| | Trial | model.alpha | train.weight_decay | Composite UF1 | Composite UAR | SMIC UF1 | SMIC UAR | CASME II UF1 | CASME II UAR | SAMM UF1 | SAMM UAR | Acc | n | Failed folds |", lines);
        var best = report.Trials[0].Trial.Id;
        Assert.Contains($"| ★ | **{best}** | 0.1 | 0.01 | **1.0000** | **1.0000** | **1.0000** | **1.0000** | **1.0000** | **1.0000** | **1.0000** | **1.0000** | 1.0000 | 6 | 1 |", lines);
        // Trial 1: all negative. Overall negative TP 3 FP 4 -> F1 6/10, others 0: UF1 0.2; UAR 1/3; Acc 3/7.
        Assert.Contains($"|  | {report.Trials[1].Trial.Id} | 0.1 | 0.05 | 0.2000 | 0.3333 | 0.1667 | 0.3333 | 0.3333 | 0.5000 | 0.3333 | 0.5000 | 0.4286 | 7 | 0 |", lines);
        Assert.Contains($"|  | {report.Trials[2].Trial.Id} | 0.1 | 0.1 | — | — | — | — | — | — | — | — | — | 0 | 0 |", lines);
        Assert.Single(lines, l => l.Contains(MarkdownReport.BestMark + " |"));
    }

    [Fact]
    public void Markdown_lists_failed_folds_with_their_error_and_shows_them_in_the_per_fold_table()
    {
        var report = Sweep();
        var md = MarkdownReport.Render(report);

        Assert.Contains($"- {report.Trials[0].Trial.Id} (alpha=0.1,weight_decay=0.01), fold casme2/sub02, after 3 attempts: TrainingException: NaN loss at epoch 4", md);
        Assert.Contains("| casme2/sub02 | CASME II | failed | 0.0000 / 0.0000 (n=1) | pending |", md);
        Assert.Contains("| samm/006 | SAMM | 1.0000 / 1.0000 (n=2) | 0.3333 / 0.5000 (n=2) | pending |", md);
        Assert.Contains($"![Composite](confusion/{report.Trials[0].Trial.Id}-overall.svg)", md);
    }

    [Fact]
    public void Csv_has_one_row_per_trial_with_the_best_flagged_and_one_row_per_trial_and_fold()
    {
        var report = Sweep();
        var trials = CsvReport.RenderTrials(report).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("trial_index,trial_id,label,model.alpha,train.weight_decay,best,overall_uf1,overall_uar,overall_acc,overall_n,"
            + "smic_uf1,smic_uar,smic_acc,smic_n,casme2_uf1,casme2_uar,casme2_acc,casme2_n,samm_uf1,samm_uar,samm_acc,samm_n,failed_folds,missing_samples", trials[0]);
        Assert.Equal(4, trials.Length);
        Assert.StartsWith($"0,{report.Trials[0].Trial.Id},\"alpha=0.1,weight_decay=0.01\",0.1,0.01,true,1,1,1,6,", trials[1]);
        Assert.EndsWith(",1,1", trials[1]);
        var second = trials[2].Split(',');
        Assert.Equal("false", second[6]);
        Assert.Equal(0.2, double.Parse(second[7], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.EndsWith(",,,,0,,,,0,,,,0,,,,0,0,", trials[3]);

        var folds = CsvReport.RenderFolds(report).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 3 * 5, folds.Length);
        Assert.Contains($"{report.Trials[0].Trial.Id},\"alpha=0.1,weight_decay=0.01\",casme2/sub02,casme2,failed,,,,0,3,TrainingException: NaN loss at epoch 4,0", folds);
        Assert.Contains(folds, f => f.StartsWith($"{report.Trials[0].Trial.Id},\"alpha=0.1,weight_decay=0.01\",smic/s1,smic,done,", StringComparison.Ordinal) && f.EndsWith(",2", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_carries_scores_confusion_counts_folds_and_the_best_trial()
    {
        var report = Sweep();
        using var json = JsonDocument.Parse(JsonReport.Render(report));
        var root = json.RootElement;

        Assert.Equal(report.Trials[0].Trial.Id, root.GetProperty("best_trial").GetString());
        Assert.Equal(["smic", "casme2", "samm"], root.GetProperty("parts").EnumerateArray().Select(p => p.GetString()));
        var second = root.GetProperty("trials")[1];
        Assert.Equal(0.2, second.GetProperty("overall").GetProperty("uf1").GetDouble(), 12);
        Assert.Equal(7, second.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(1.0 / 6, second.GetProperty("parts").GetProperty("smic").GetProperty("uf1").GetDouble(), 12);
        Assert.Equal("0.05", second.GetProperty("values").GetProperty("train.weight_decay").GetString());
        Assert.Equal([3, 0, 0], second.GetProperty("confusion").GetProperty("overall").GetProperty("counts")[0].EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal(5, second.GetProperty("folds").GetArrayLength());
        var third = root.GetProperty("trials")[2];
        Assert.Equal(JsonValueKind.Null, third.GetProperty("overall").GetProperty("uf1").ValueKind);
        Assert.Equal("casme2/sub02", root.GetProperty("trials")[0].GetProperty("failed_folds")[0].GetProperty("fold").GetString());
        var smic = root.GetProperty("trials")[0].GetProperty("folds").EnumerateArray().Single(f => f.GetProperty("fold").GetString() == "smic/s1");
        Assert.Equal(2, smic.GetProperty("interruptions").GetInt32());
    }

    [Fact]
    public void Markdown_lists_interrupted_folds_with_how_often_only_when_there_are_some()
    {
        var report = Sweep();

        Assert.Contains($"## Interrupted folds\n\n- {report.Trials[0].Trial.Id} (alpha=0.1,weight_decay=0.01), fold smic/s1: 2 interruptions\n", MarkdownReport.Render(report));
        Assert.DoesNotContain("Interrupted folds", MarkdownReport.Render(report with { Trials = report.Trials.Skip(1).ToList() }));
    }

    [Fact]
    public void Metrics_json_has_exactly_overall_and_parts_with_uf1_uar_acc_n()
    {
        Prediction[] predictions =
        [
            new("smic/s1/a", "smic/s1", "smic", "negative", "negative"),
            new("smic/s1/b", "smic/s1", "smic", "positive", "negative"),
            new("samm/006/f", "samm/006", "samm", "surprise", "surprise"),
        ];
        using var json = JsonDocument.Parse(JsonReport.RenderMetrics(PooledMetrics.Compute(predictions, ProtocolOptions.CompositeClasses)));
        var root = json.RootElement;

        Assert.Equal(["overall", "parts"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["uf1", "uar", "acc", "n"], root.GetProperty("overall").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["smic", "samm"], root.GetProperty("parts").EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, root.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(2.0 / 3, root.GetProperty("overall").GetProperty("acc").GetDouble(), 12);
        Assert.Equal(0.5, root.GetProperty("parts").GetProperty("smic").GetProperty("uar").GetDouble(), 12);
    }

    [Fact]
    public void Latex_escapes_underscores_and_sets_the_best_row_in_bold()
    {
        var report = Sweep();
        var tex = LatexReport.Render(report);

        Assert.Contains("Trial & model.alpha & train.weight\\_decay & UF1 & UAR & UF1 & UAR & UF1 & UAR & UF1 & UAR \\\\", tex);
        Assert.Contains("msmmt\\_alpha", tex);
        Assert.DoesNotContain("weight_decay", tex);
        Assert.Contains($"\\textbf{{{report.Trials[0].Trial.Id}}} & \\textbf{{0.1}} & \\textbf{{0.01}} & \\textbf{{1.0000}}", tex);
        Assert.Contains($"{report.Trials[1].Trial.Id} & 0.1 & 0.05 & 0.2000 & 0.3333", tex);
        Assert.Contains("\\multicolumn{2}{c}{CASME II}", tex);
        Assert.Equal(tex.Count(c => c == '{'), tex.Count(c => c == '}'));
        Assert.Equal("100\\% \\& a\\_b \\textbackslash{} \\{x\\} \\$ \\# \\textasciitilde{} \\textasciicircum{}", LatexReport.Escape("100% & a_b \\ {x} $ # ~ ^"));
    }

    [Fact]
    public void A_single_database_sweep_has_one_score_group_named_after_the_database()
    {
        var report = Sweep() with { Parts = ["casme2"] };

        Assert.Equal([(ReportTable.Overall, "CASME II")], ReportTable.Groups(report));
        Assert.Contains("| CASME II UF1 | CASME II UAR | Acc |", MarkdownReport.Render(report));
    }

    [Fact]
    public void Confusion_matrix_svg_is_valid_xml_with_a_cell_and_count_per_class_pair()
    {
        var matrix = new ConfusionMatrix(["neg<1>", "pos&", "sur"], [[3, 1, 0], [1, 2, 0], [1, 0, 2]]);

        var svg = XDocument.Parse(ConfusionMatrixSvg.Render(matrix, "trial \"a\" <best>"));

        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        Assert.Equal(1 + 9, svg.Descendants(ns + "rect").Count());
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToArray();
        Assert.Contains("trial \"a\" <best>", texts);
        Assert.Contains("neg<1>", texts);
        Assert.Contains("pos&", texts);
        Assert.Equal(["3", "1", "0", "1", "2", "0", "1", "0", "2"], texts.Where(t => t.Length == 1 && char.IsDigit(t[0])));
        Assert.Contains(texts, t => t.StartsWith("UF1 0.7111"));
    }

    [Fact]
    public void The_writer_puts_the_report_and_one_svg_per_trial_and_group_in_the_directory()
    {
        var report = Sweep();
        var dir = Path.Combine(Path.GetTempPath(), $"mer-report-{Guid.NewGuid():N}");
        try
        {
            var written = ReportWriter.Write(report, ReportFormat.Md, dir);

            Assert.Equal(Path.Combine(dir, "report.md"), written[0]);
            var svgs = written.Where(p => p.EndsWith(".svg")).ToArray();
            Assert.Equal(2 * 4, svgs.Length);
            Assert.All(svgs, p => XDocument.Load(p));
            Assert.True(File.Exists(Path.Combine(dir, ReportWriter.ConfusionFile(report.Trials[0], "samm"))));
            Assert.Equal(["trials.csv", "folds.csv"], ReportWriter.Write(report, ReportFormat.Csv, dir).Take(2).Select(Path.GetFileName));
            Assert.EndsWith("report.tex", ReportWriter.Write(report, ReportFormat.Latex, dir)[0]);
            Assert.EndsWith("report.json", ReportWriter.Write(report, ReportFormat.Json, dir)[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

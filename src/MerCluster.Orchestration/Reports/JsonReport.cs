using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Metrics;

namespace MerCluster.Orchestration.Reports;

/// <summary>
/// The report as one JSON document with everything the other formats show and the per-class counts behind it:
/// <c>{"sweep", "classes", "parts", "best_trial", "trials": [{"index", "id", "label", "values", "overall", "parts",
/// "confusion", "folds", "failed_folds", "missing_samples"}]}</c>; scores are <c>{"uf1", "uar", "acc", "n"}</c>.
/// </summary>
public static class JsonReport
{
    public static string Render(SweepReport report)
    {
        var best = ReportTable.Best(report);
        var trials = new JsonArray();
        foreach (var trial in report.Trials)
        {
            var values = new JsonObject();
            foreach (var o in trial.Trial.Overrides)
                values[o.Key] = o.Value;
            var parts = new JsonObject();
            var confusion = new JsonObject();
            if (trial.Score is not null)
            {
                confusion[ReportTable.Overall] = Confusion(trial.Score.Overall);
                foreach (var (part, matrix) in trial.Score.Parts)
                {
                    parts[part] = ScoresJson(matrix.Scores);
                    confusion[part] = Confusion(matrix);
                }
            }
            var folds = new JsonArray();
            foreach (var (fold, database) in ReportTable.Folds(report))
            {
                var status = ReportTable.Status(trial, fold, out var s, out _);
                var entry = ScoresJson(s);
                entry["fold"] = fold;
                entry["database"] = database;
                entry["status"] = status.ToString().ToLowerInvariant();
                entry["interruptions"] = trial.InterruptionsOf(fold);
                folds.Add(entry);
            }
            var failed = new JsonArray();
            foreach (var f in trial.FailedFolds)
                failed.Add(new JsonObject { ["fold"] = f.Fold, ["attempts"] = f.Attempts, ["error"] = f.Error });
            trials.Add(new JsonObject
            {
                ["index"] = trial.Trial.Index,
                ["id"] = trial.Trial.Id,
                ["label"] = trial.Trial.Label,
                ["values"] = values,
                ["overall"] = ScoresJson(ReportTable.ScoresOf(trial, ReportTable.Overall)),
                ["parts"] = parts,
                ["confusion"] = confusion,
                ["folds"] = folds,
                ["failed_folds"] = failed,
                ["missing_samples"] = trial.Score?.MissingSamples,
            });
        }
        var root = new JsonObject
        {
            ["sweep"] = report.Sweep,
            ["classes"] = new JsonArray(report.Classes.Select(c => (JsonNode?)c).ToArray()),
            ["parts"] = new JsonArray(report.Parts.Select(p => (JsonNode?)p).ToArray()),
            ["best_trial"] = best?.Trial.Id,
            ["trials"] = trials,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>What <c>mer metrics --json</c> prints: <c>{"overall": {"uf1", "uar", "acc", "n"}, "parts": {"smic": {...}, ...}}</c>.</summary>
    public static string RenderMetrics(PooledMetrics pooled)
    {
        var parts = new JsonObject();
        foreach (var (part, matrix) in pooled.Parts)
            parts[part] = ScoresJson(matrix.Scores);
        return new JsonObject { ["overall"] = ScoresJson(pooled.Overall.Scores), ["parts"] = parts }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The <c>{"uf1", "uar", "acc", "n"}</c> object of one subset.</summary>
    public static JsonObject ScoresJson(Scores s) => new()
    {
        ["uf1"] = s.Uf1,
        ["uar"] = s.Uar,
        ["acc"] = s.Acc,
        ["n"] = s.N,
    };

    private static JsonObject Confusion(ConfusionMatrix m) => new()
    {
        ["classes"] = new JsonArray(m.Classes.Select(c => (JsonNode?)c).ToArray()),
        ["counts"] = new JsonArray(m.Counts.Select(row => (JsonNode?)new JsonArray(row.Select(c => (JsonNode?)c).ToArray())).ToArray()),
    };
}

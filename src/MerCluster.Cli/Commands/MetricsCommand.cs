using System.CommandLine;
using System.Globalization;
using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Reports;

namespace MerCluster.Cli.Commands;

/// <summary>`mer metrics --predictions FILE.csv [--json]`: pooled UF1/UAR/Acc of a predictions file, overall and per database.</summary>
internal static class MetricsCommand
{
    public static Command Create()
    {
        var predictions = new Option<FileInfo>("--predictions")
        {
            Description = "CSV with the columns sample_id,subject,database,label,predicted (one row per held-out sample).",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print {\"overall\": {...}, \"parts\": {...}} instead of a table." };
        var command = new Command("metrics", "Recompute pooled UF1, UAR and accuracy from a predictions file, overall and per database.")
        {
            predictions,
            json,
        };
        command.SetAction(parse => Run(parse.GetValue(predictions)!, parse.GetValue(json)));
        return command;
    }

    private static int Run(FileInfo file, bool asJson)
    {
        IReadOnlyList<Prediction> rows;
        try
        {
            using var reader = file.OpenText();
            rows = PredictionsCsv.Parse(reader, file.FullName, ProtocolOptions.CompositeDatabases);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{file.FullName}: cannot read: {e.Message}");
            return 1;
        }
        if (rows.Count == 0)
        {
            Console.Error.WriteLine($"{file.FullName}: no predictions after the header");
            return 1;
        }
        var classes = ClassesOf(rows);
        var parts = ProtocolOptions.CompositeDatabases.Where(d => rows.Any(r => r.Database == d)).ToArray();
        var pooled = PooledMetrics.Compute(rows, classes, parts);

        if (asJson)
        {
            Console.Write(JsonReport.RenderMetrics(pooled));
            return 0;
        }

        Console.WriteLine($"{"",-10} {"UF1",8} {"UAR",8} {"Acc",8} {"n",6}");
        Print("overall", pooled.Overall.Scores);
        foreach (var (part, matrix) in pooled.Parts)
            Print(part, matrix.Scores);
        Console.WriteLine();
        Console.WriteLine($"{"class",-12} {"TP",5} {"FP",5} {"FN",5} {"n",5} {"F1",8} {"recall",8}");
        foreach (var c in pooled.Overall.PerClass)
            Console.WriteLine($"{c.Class,-12} {c.Tp,5} {c.Fp,5} {c.Fn,5} {c.N,5} {ReportTable.Number(c.F1, "-"),8} {ReportTable.Number(c.Recall, "-"),8}");
        return 0;
    }

    /// <summary>The composite's classes in their index order when the file uses only those; else every name seen, sorted.</summary>
    private static IReadOnlyList<string> ClassesOf(IReadOnlyList<Prediction> rows)
    {
        var seen = rows.SelectMany(r => new[] { r.Label, r.Predicted }).Distinct(StringComparer.Ordinal).ToArray();
        return seen.All(ProtocolOptions.CompositeClasses.Contains)
            ? ProtocolOptions.CompositeClasses
            : seen.Order(StringComparer.Ordinal).ToArray();
    }

    private static void Print(string name, Scores s) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-10} {ReportTable.Number(s.Uf1, "-"),8} {ReportTable.Number(s.Uar, "-"),8} {ReportTable.Number(s.Acc, "-"),8} {s.N,6}"));
}

using System.CommandLine;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;

namespace MerCluster.Cli.Commands;

/// <summary>`mer report SWEEP --format md|csv|json|latex [--out DIR]`: the paper tables of a sweep, from the store.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var sweep = new Argument<string>("sweep") { Description = "The sweep id or name." };
        var format = new Option<ReportFormat>("--format") { Description = "md, csv, json or latex.", DefaultValueFactory = _ => ReportFormat.Md };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write the report and its confusion-matrix SVGs here (default: print the report)." };
        var store = StoreOption.Create();
        var command = new Command("report", "Report a sweep: trials x {composite, parts} x {UF1, UAR}, the best trial marked, per-fold scores, failed folds.")
        {
            sweep, format, output, store,
        };
        command.SetAction(parse => SweepCommand.Guard(() => WriteAsync(parse.GetValue(sweep)!, parse.GetValue(format), parse.GetValue(output), parse.GetValue(store)!)));
        return command;
    }

    private static async Task<string> WriteAsync(string sweep, ReportFormat format, DirectoryInfo? output, string url)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var report = await SweepReportLoader.LoadAsync(store, sweep);
        if (output is not null)
        {
            foreach (var path in ReportWriter.Write(report, format, output.FullName))
                Console.WriteLine(path);
            return report.Sweep;
        }
        // Printed: the writer's report files (not its SVGs), so the printed text is exactly what --out would write.
        var scratch = Directory.CreateTempSubdirectory("mer-report-");
        try
        {
            foreach (var path in ReportWriter.Write(report, format, scratch.FullName).Where(p => !p.EndsWith(".svg", StringComparison.Ordinal)))
                Console.Write(await File.ReadAllTextAsync(path));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
        return report.Sweep;
    }
}

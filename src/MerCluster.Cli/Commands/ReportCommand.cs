using System.CommandLine;
using MerCluster.Artifacts;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;

namespace MerCluster.Cli.Commands;

/// <summary>`mer report SWEEP --format md|csv|json|latex [--out DIR|azblob://CONTAINER/PREFIX]`: the paper tables of a sweep, from the store.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var sweep = new Argument<string>("sweep") { Description = "The sweep id or name." };
        var format = new Option<ReportFormat>("--format") { Description = "md, csv, json or latex.", DefaultValueFactory = _ => ReportFormat.Md };
        var output = new Option<string?>("--out")
        {
            Description = "Write the report and its confusion-matrix SVGs to this folder, or to an artifact store azblob://CONTAINER/PREFIX under reports/SWEEP/ "
                + "(connection string in $MER_AZBLOB_CONNECTION_STRING) (default: print the report).",
        };
        var store = StoreOption.Create();
        var command = new Command("report", "Report a sweep: trials x {composite, parts} x {UF1, UAR}, the best trial marked, per-fold scores, failed folds.")
        {
            sweep, format, output, store,
        };
        command.SetAction(parse => SweepCommand.Guard(() => WriteAsync(parse.GetValue(sweep)!, parse.GetValue(format), parse.GetValue(output), parse.GetValue(store)!)));
        return command;
    }

    private static async Task<string> WriteAsync(string sweep, ReportFormat format, string? output, string url)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var report = await SweepReportLoader.LoadAsync(store, sweep);
        if (output is not null && Artifacts.ArtifactStores.IsBlob(output))
        {
            var artifacts = Artifacts.ArtifactStores.Open(output);
            var written = Directory.CreateTempSubdirectory("mer-report-");
            try
            {
                foreach (var path in ReportWriter.Write(report, format, written.FullName))
                    Console.WriteLine(StoreReport(artifacts, Artifacts.ArtifactLayout.Report(report.Sweep, Path.GetFileName(path)), path));
            }
            finally
            {
                written.Delete(recursive: true);
            }
            return report.Sweep;
        }
        if (output is not null)
        {
            foreach (var path in ReportWriter.Write(report, format, Path.GetFullPath(output)))
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

    /// <summary>Stores a report file over the one written before (reports change as a sweep goes on) and says where it went.</summary>
    private static string StoreReport(Artifacts.IArtifactStore artifacts, string name, string path)
    {
        var state = artifacts.Read(name, Stream.Null, out var version);
        if (state == Artifacts.ArtifactState.Corrupt)
            artifacts.Delete(name);
        artifacts.ReplaceFromFile(name, path, state == Artifacts.ArtifactState.Found ? version : null);
        return artifacts.Locate(name);
    }
}

using System.Text;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Reports;
using MerCluster.Orchestration.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MerCluster.Server.Pages;

/// <summary>
/// The results pages `mer server` serves to browsers, read-only and without a token (like the API's GETs):
/// <list type="bullet">
/// <item><c>/</c>: the sweeps with their progress (<see cref="SweepListPage"/>);</item>
/// <item><c>/sweeps/{id}</c> (id or name; <c>?trial=</c> picks the confusion matrices shown): one sweep's results (<see cref="SweepPage"/>);</item>
/// <item><c>/sweeps/{id}/report.md</c>, <c>trials.csv</c>, <c>folds.csv</c>, <c>report.json</c>, <c>report.tex</c>: the report files, as `mer report` writes them;</item>
/// <item><c>/sweeps/{id}/confusion/{trial}-{group}.svg</c>: a confusion matrix, where report.md links it;</item>
/// <item><c>/assets/results.css</c>, <c>/assets/results.js</c>: the pages' own style and script.</item>
/// </list>
/// </summary>
public static class ResultsPages
{
    private static readonly Dictionary<string, (ReportFormat Format, string ContentType)> Downloads = new(StringComparer.Ordinal)
    {
        [".md"] = (ReportFormat.Md, "text/markdown; charset=utf-8"),
        [".csv"] = (ReportFormat.Csv, "text/csv; charset=utf-8"),
        [".json"] = (ReportFormat.Json, "application/json; charset=utf-8"),
        [".tex"] = (ReportFormat.Latex, "application/x-tex; charset=utf-8"),
    };

    public static void Map(IEndpointRouteBuilder app, CoordinationStore store)
    {
        app.MapGet("/", async (HttpContext context, CancellationToken ct) =>
            Page(context, SweepListPage.Render(await SweepListPage.LoadAsync(store, ct))));

        app.MapGet("/sweeps/{id}", async (string id, string? trial, HttpContext context, CancellationToken ct) =>
            await store.FindSweepAsync(id, ct) is { } sweep
                ? Page(context, SweepPage.Render(await SweepPageData.LoadAsync(store, sweep, ct), trial))
                : NotFound($"no sweep '{id}' in the store"));

        app.MapGet("/sweeps/{id}/{file}", async (string id, string file, CancellationToken ct) =>
        {
            if (!Downloads.TryGetValue(Path.GetExtension(file), out var download) || await store.FindSweepAsync(id, ct) is not { } sweep)
                return NotFound($"no report file '{file}' of sweep '{id}'");
            var report = await SweepReportLoader.LoadAsync(store, sweep.Id, cancellationToken: ct);
            var text = ReportWriter.Render(report, download.Format).FirstOrDefault(f => f.Name == file).Text;
            return text is null
                ? NotFound($"no report file '{file}' of sweep '{id}'")
                : Results.File(Encoding.UTF8.GetBytes(text), download.ContentType, $"{sweep.Id}-{file}");
        });

        app.MapGet("/sweeps/{id}/confusion/{file}", async (string id, string file, HttpContext context, CancellationToken ct) =>
        {
            // confusion/{grid trial id}-{group}.svg, as ReportWriter.ConfusionFile names it; a trial id has no '-'.
            var name = file.EndsWith(".svg", StringComparison.Ordinal) ? file[..^4] : "";
            var dash = name.IndexOf('-');
            if (dash <= 0 || await store.FindSweepAsync(id, ct) is not { } sweep)
                return NotFound($"no confusion matrix '{file}' of sweep '{id}'");
            var report = await SweepReportLoader.LoadAsync(store, sweep.Id, name[..dash], ct);
            var group = ReportTable.Groups(report).FirstOrDefault(g => g.Key == name[(dash + 1)..]);
            if (report.Trials.Count != 1 || group.Key is null || ReportWriter.RenderConfusion(report, report.Trials[0], group) is not { } svg)
                return NotFound($"no confusion matrix '{file}' of sweep '{id}'");
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
            return Results.Text(svg, "image/svg+xml; charset=utf-8");
        });

        var assets = PageAssets.Load();
        app.MapGet("/assets/{file}", (string file, HttpContext context) =>
        {
            if (!assets.TryGetValue(file, out var asset))
                return NotFound($"no asset '{file}'");
            context.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(asset.Content, asset.ContentType);
        });
    }

    private static IResult Page(HttpContext context, string html)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentSecurityPolicy = PageLayout.ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static IResult NotFound(string message) => Results.Text(message + "\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
}

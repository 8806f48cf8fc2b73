using System.Text;
using System.Text.Json;
using MerCluster.Core.Configuration;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MerCluster.Server;

/// <summary>
/// The coordinator's JSON API: sweeps, trials, folds and silos to read (from the store, the results of record); submitting a
/// sweep (its YAML as the body) and cancelling one go to the sweep's grain, both only with the bearer token.
/// </summary>
public static class SweepApi
{
    public static void Map(RouteGroupBuilder api, CoordinationStore store, IGrainFactory grains, ServerOptions options)
    {
        var features = new FeatureSetCache();

        api.MapGet("/sweeps", async (CancellationToken ct) =>
        {
            var sweeps = new List<SweepSummary>();
            foreach (var sweep in await store.ListSweepsAsync(ct))
                sweeps.Add(SweepSummary.From(sweep, await store.ProgressAsync(sweep.Id, ct)));
            return Results.Ok(sweeps);
        });

        api.MapGet("/sweeps/{id}", async (string id, CancellationToken ct) =>
            await store.FindSweepAsync(id, ct) is { } sweep
                ? Results.Ok(SweepSummary.From(sweep, await store.ProgressAsync(sweep.Id, ct)) with { Yaml = sweep.Yaml })
                : NotFound($"no sweep '{id}'"));

        api.MapGet("/sweeps/{id}/trials", async (string id, CancellationToken ct) =>
        {
            if (await store.FindSweepAsync(id, ct) is not { } sweep)
                return NotFound($"no sweep '{id}'");
            var progress = (await store.ProgressAsync(sweep.Id, ct)).ToDictionary(p => p.TrialId);
            var results = (await store.TrialResultsAsync(sweep.Id, ct)).ToLookup(r => r.TrialId);
            return Results.Ok((await store.TrialsAsync(sweep.Id, ct)).Select(t => TrialView.From(t, progress.GetValueOrDefault(t.Id), results[t.Id])).ToList());
        });

        api.MapGet("/trials/{id:long}/folds", async (long id, CancellationToken ct) =>
        {
            var scores = (await store.FoldScoresAsync(id, ct)).ToDictionary(s => s.FoldId);
            var folds = await store.FoldsAsync(id, ct);
            return folds.Count == 0
                ? NotFound($"no trial {id}")
                : Results.Ok(folds.Select(f => FoldView.From(f, scores.GetValueOrDefault(f.Id))).ToList());
        });

        // The story of the sweep's folds, oldest first; ?fold=ID narrows it to one fold.
        api.MapGet("/sweeps/{id}/events", async (string id, long? fold, CancellationToken ct) =>
            await store.FindSweepAsync(id, ct) is { } sweep
                ? Results.Ok(await store.FoldEventsAsync(sweep.Id, fold, ct))
                : NotFound($"no sweep '{id}'"));

        api.MapGet("/silos", async (CancellationToken ct) =>
            Results.Ok(await ClusterSilos.ReadAsync(store, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ct)));

        api.MapPost("/sweeps", async (HttpRequest request, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var yaml = await reader.ReadToEndAsync(ct);
            SweepDefinition definition;
            SubmittedSweep submitted;
            try
            {
                definition = SweepDefinition.FromStore(yaml, options.SweepsDirectory, "(posted)");
                if (string.IsNullOrEmpty(definition.Options.Features))
                    return Results.Json(new ApiError("a sweep posted to the API names its feature set (features:); submit a sweep that names a dataset "
                        + "with `mer sweep submit`, which has the silos preprocess it first", "features"), statusCode: StatusCodes.Status400BadRequest);
                submitted = await SweepSubmitter.SubmitAsync(grains, store, SweepSubmitter.Plan(definition, features));
            }
            catch (ConfigException e)
            {
                return Results.Json(new ApiError(e.Message, e.KeyPath), statusCode: StatusCodes.Status400BadRequest);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                return Results.Json(new ApiError(e.Message, "features"), statusCode: StatusCodes.Status400BadRequest);
            }
            return Results.Json(submitted, statusCode: submitted.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }).AddEndpointFilter(new TokenFilter(options.Token));

        api.MapPost("/sweeps/{id}/cancel", async (string id, CancellationToken ct) =>
        {
            if (await store.FindSweepAsync(id, ct) is not { } sweep)
                return NotFound($"no sweep '{id}'");
            var status = await grains.GetGrain<ISweepGrain>(sweep.Id).Cancel();
            return Results.Ok(new { id = sweep.Id, state = status.State, folds = new FoldCounts(status.Pending, status.Running, status.Done, status.Failed) });
        }).AddEndpointFilter(new TokenFilter(options.Token));
    }

    private static IResult NotFound(string message) => Results.Json(new ApiError(message, null), statusCode: StatusCodes.Status404NotFound);
}

/// <summary>An API error: what is wrong and, for a malformed sweep, the dotted key it is about.</summary>
public sealed record ApiError(string Error, string? Key);

public sealed record FoldCounts(int Pending, int Running, int Done, int Failed)
{
    public int Total => Pending + Running + Done + Failed;

    public static FoldCounts Of(IEnumerable<TrialProgress> progress)
    {
        var list = progress.ToList();
        return new FoldCounts(list.Sum(p => p.Pending), list.Sum(p => p.Running), list.Sum(p => p.Done), list.Sum(p => p.Failed));
    }
}

public sealed record SweepSummary(string Id, string Name, string State, long CreatedAt, int MaxAttempts, int MaxInterruptions, int Trials, FoldCounts Folds)
{
    public string? Yaml { get; init; }

    public static SweepSummary From(SweepRecord sweep, IReadOnlyList<TrialProgress> progress) =>
        new(sweep.Id, sweep.Name, sweep.State, sweep.CreatedAt, sweep.MaxAttempts, sweep.MaxInterruptions, progress.Count, FoldCounts.Of(progress));
}

public sealed record TrialView(long Id, int Ordinal, string Label, JsonElement Grid, string State, FoldCounts Folds, IReadOnlyList<PartScore> Results)
{
    public static TrialView From(TrialRecord trial, TrialProgress? progress, IEnumerable<TrialResult> results) =>
        new(trial.Id, trial.Ordinal, trial.Label, JsonDocument.Parse(trial.GridJson).RootElement.Clone(), trial.State,
            progress is null ? new FoldCounts(0, 0, 0, 0) : FoldCounts.Of([progress]),
            results.Select(r => new PartScore(r.Part, r.Uf1, r.Uar, r.Acc, r.N)).ToList());
}

public sealed record PartScore(string Part, double? Uf1, double? Uar, double? Acc, int N);

public sealed record FoldView(long Id, long TrialId, string HeldOutSubject, string State, int Attempt, int Failures, int Interruptions, string? Silo, string? LastError, double? Uf1, double? Uar, double? Acc)
{
    public static FoldView From(FoldRecord fold, FoldScoreRecord? score) =>
        new(fold.Id, fold.TrialId, fold.HeldOutSubject, fold.State, fold.Attempt, fold.Failures, fold.Interruptions, fold.Silo, fold.LastError, score?.Uf1, score?.Uar, score?.Acc);
}

using MerCluster.Core.Metrics;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Arrays;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Orchestration.Folds;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench orchestration [--json]`: what the orchestration costs per fold in each store (starting the attempt +
/// writing the predictions + re-aggregating the trial), as a fraction of a 10 s fold (target below 0.5%), and the wall
/// time of a composite-sized sweep of no-op folds on an embedded silo with 1, 2 and 4 slots (target: parallel
/// efficiency above 90%). PostgreSQL is a throwaway server on loopback unless --postgres names one.
/// </summary>
internal static class OrchestrationBench
{
    private const double ReferenceFoldMs = 10_000;

    // The composite's subjects per part (DOMAIN.md): 68 folds, 442 samples.
    private static readonly (string Database, string Prefix, int Subjects)[] Parts = [("smic", "s", 16), ("casme2", "sub", 24), ("samm", "", 28)];

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var foldMs = new Option<int>("--fold-ms") { Description = "How long each no-op fold of the no-op sweeps takes.", DefaultValueFactory = _ => 150 };
        var postgres = new Option<string?>("--postgres") { Description = "A PostgreSQL store URL to measure (default: start a throwaway server)." };
        var command = new Command("orchestration", "Per-fold orchestration overhead per store, and no-op sweep wall time with 1, 2 and 4 slots.")
        {
            json, foldMs, postgres,
        };
        command.SetAction(parse => Run(parse.GetValue(json), parse.GetValue(foldMs), parse.GetValue(postgres)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> Run(bool asJson, int foldMs, string? postgresUrl)
    {
        var scratch = Directory.CreateTempSubdirectory("mer-bench-orch-").FullName;
        try
        {
            var features = Path.Combine(scratch, "features");
            CompositeShapedFeatures().Write(features);
            var stores = new JsonObject { ["sqlite"] = await MeasureOverheadAsync("sqlite:" + Path.Combine(scratch, "overhead.db"), scratch, features) };
            if (postgresUrl is not null)
                stores["postgres"] = await MeasureOverheadAsync(postgresUrl, scratch, features);
            else if (TemporaryPostgresServer.IsInstalled)
            {
                await using var server = await TemporaryPostgresServer.StartAsync();
                stores["postgres"] = await MeasureOverheadAsync(await server.CreateDatabaseAsync(), scratch, features);
            }

            // A first, untimed sweep takes the JIT and the first-open costs out of the 1-slot figure.
            await SweepWallSecondsAsync("sqlite:" + Path.Combine(scratch, "warmup.db"), scratch, features, 0, 2);
            var sweeps = new JsonObject();
            double? serial = null;
            foreach (var slots in new[] { 1, 2, 4 })
            {
                var wall = await SweepWallSecondsAsync("sqlite:" + Path.Combine(scratch, $"sweep-{slots}.db"), scratch, features, foldMs, slots);
                serial ??= wall;
                sweeps[slots.ToString()] = new JsonObject
                {
                    ["wall_s"] = Math.Round(wall, 3),
                    ["ideal_s"] = Math.Round(68.0 * foldMs / 1000 / slots, 3),
                    ["parallel_efficiency"] = Math.Round(serial.Value / (slots * wall), 4),
                    ["fraction_of_ideal"] = Math.Round(68.0 * foldMs / 1000 / slots / wall, 4),
                };
            }
            var result = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["reference_fold_ms"] = ReferenceFoldMs,
                ["stores"] = stores,
                ["noop_sweep"] = new JsonObject { ["store"] = "sqlite", ["folds"] = 68, ["fold_ms"] = foldMs, ["slots"] = sweeps },
            };
            if (asJson)
                Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
                PrintTable(result);
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The store round trips a fold grain makes for each of the 68 folds of a composite-sized trial: start the attempt, record its predictions, re-aggregate the trial.</summary>
    private static async Task<JsonObject> MeasureOverheadAsync(string url, string scratch, string features)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var definition = WriteSweep(scratch, $"overhead-{store.Kind.ToString().ToLowerInvariant()}", features, "{name: noop}");
        var plan = SweepSubmitter.Plan(definition, new FeatureSetCache());
        await store.CreateSweepAsync(plan);
        var sweep = await SweepContext.LoadAsync(store, plan.Id);
        var featureSet = FeatureSet.Read(features);
        double start = 0, complete = 0, aggregate = 0;
        var folds = 0;
        var clock = new Stopwatch();
        foreach (var fold in await store.SweepFoldsAsync(plan.Id))
        {
            clock.Restart();
            await store.StartAttemptAsync(fold.Id, 1, "bench");
            start += clock.Elapsed.TotalMilliseconds;
            var predictions = featureSet.Samples.Where(s => s.Subject == fold.HeldOutSubject)
                .Select(s => new SamplePrediction(s.SampleId, s.Subject, s.Database, s.Label, s.Label, [0.2, 0.3, 0.5])).ToList();
            clock.Restart();
            await store.CompleteAttemptAsync(fold.TrialId, fold.Id, 1, predictions);
            complete += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await TrialAggregator.RecomputeAsync(store, sweep, fold.TrialId, fold.HeldOutSubject);
            aggregate += clock.Elapsed.TotalMilliseconds;
            folds++;
        }
        var perFold = (start + complete + aggregate) / folds;
        return new JsonObject
        {
            ["folds"] = folds,
            ["start_ms"] = Math.Round(start / folds, 3),
            ["complete_ms"] = Math.Round(complete / folds, 3),
            ["aggregate_ms"] = Math.Round(aggregate / folds, 3),
            ["per_fold_ms"] = Math.Round(perFold, 3),
            ["overhead_fraction_of_10s_fold"] = Math.Round(perFold / ReferenceFoldMs, 6),
        };
    }

    private static async Task<double> SweepWallSecondsAsync(string url, string scratch, string features, int foldMs, int slots)
    {
        var definition = WriteSweep(scratch, $"noop-{slots}-{foldMs}", features, $"{{name: noop, duration: {foldMs}ms}}");
        var clock = Stopwatch.StartNew();
        await EmbeddedSweep.RunAsync(url, definition, Enumerable.Repeat("cpu", slots).ToList(), Path.Combine(scratch, "cache"), null, null, CancellationToken.None);
        return clock.Elapsed.TotalSeconds;
    }

    private static SweepDefinition WriteSweep(string scratch, string name, string features, string model)
    {
        var path = Path.Combine(scratch, $"{name}.yaml");
        File.WriteAllText(path, $"name: {name}\nfeatures: {features}\nmodel: {model}\n");
        return SweepDefinition.Load(path);
    }

    /// <summary>68 subjects as in the composite, 6 or 7 samples each (442 in all), with tiny inputs: only the orchestration is measured.</summary>
    private static FeatureSet CompositeShapedFeatures()
    {
        string[] classes = ["negative", "positive", "surprise"];
        var samples = new List<FeatureSample>();
        var subjectIndex = 0;
        foreach (var (database, prefix, subjects) in Parts)
            for (var s = 1; s <= subjects; s++, subjectIndex++)
            {
                var subject = $"{database}/{prefix}{(prefix.Length == 0 ? s.ToString("000") : s.ToString())}";
                var count = subjectIndex < 34 ? 7 : 6;
                for (var c = 0; c < count; c++)
                    samples.Add(new FeatureSample($"{subject}/clip{c}", subject, database, classes[(c + s) % 3]));
            }
        return new FeatureSet(classes, samples, [KeyValuePair.Create("flow", new NdArray<float>([samples.Count, 1, 2, 2], new float[samples.Count * 4]))]);
    }

    private static void PrintTable(JsonObject result)
    {
        foreach (var (store, figures) in result["stores"]!.AsObject())
            Console.WriteLine($"{store,-9} per fold {figures!["per_fold_ms"]} ms (start {figures["start_ms"]}, "
                + $"complete {figures["complete_ms"]}, aggregate {figures["aggregate_ms"]}) = {(double)figures["overhead_fraction_of_10s_fold"]! * 100:0.###}% of a 10 s fold");
        foreach (var (workers, figures) in result["noop_sweep"]!["slots"]!.AsObject())
            Console.WriteLine($"{workers} slot(s): 68 no-op folds in {figures!["wall_s"]} s (ideal {figures["ideal_s"]} s), parallel efficiency {figures["parallel_efficiency"]}");
    }
}

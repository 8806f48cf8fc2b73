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
using MerCluster.Orchestration.Workers;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench orchestration [--json]`: what the orchestration costs per fold in each store (claim + lease renewal and
/// heartbeat + writing the predictions + re-aggregating the trial), as a fraction of a 10 s fold (target below 1%), and
/// the wall time of a composite-sized sweep of no-op folds with 1, 2 and 4 in-process workers (target: parallel
/// efficiency above 90% up to the core count). PostgreSQL is a throwaway server on loopback unless --postgres names one.
/// </summary>
internal static class OrchestrationBench
{
    private const double ReferenceFoldMs = 10_000;

    // The composite's subjects per part (DOMAIN.md): 68 folds, 442 samples.
    private static readonly (string Database, string Prefix, int Subjects)[] Parts = [("smic", "s", 16), ("casme2", "sub", 24), ("samm", "", 28)];

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var foldMs = new Option<int>("--fold-ms") { Description = "How long each no-op fold of the worker sweeps takes.", DefaultValueFactory = _ => 150 };
        var postgres = new Option<string?>("--postgres") { Description = "A PostgreSQL store URL to measure (default: start a throwaway server)." };
        var command = new Command("orchestration", "Per-fold orchestration overhead per store, and no-op sweep wall time with 1, 2 and 4 workers.")
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

            // A first, untimed sweep takes the JIT and the first-open costs out of the 1-worker figure.
            await SweepWallSecondsAsync("sqlite:" + Path.Combine(scratch, "warmup.db"), scratch, features, 0, 2);
            var sweeps = new JsonObject();
            double? serial = null;
            foreach (var workers in new[] { 1, 2, 4 })
            {
                var wall = await SweepWallSecondsAsync("sqlite:" + Path.Combine(scratch, $"sweep-{workers}.db"), scratch, features, foldMs, workers);
                serial ??= wall;
                sweeps[workers.ToString()] = new JsonObject
                {
                    ["wall_s"] = Math.Round(wall, 3),
                    ["ideal_s"] = Math.Round(68.0 * foldMs / 1000 / workers, 3),
                    ["parallel_efficiency"] = Math.Round(serial.Value / (workers * wall), 4),
                    ["fraction_of_ideal"] = Math.Round(68.0 * foldMs / 1000 / workers / wall, 4),
                };
            }
            var result = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["reference_fold_ms"] = ReferenceFoldMs,
                ["stores"] = stores,
                ["noop_sweep"] = new JsonObject { ["store"] = "sqlite", ["folds"] = 68, ["fold_ms"] = foldMs, ["workers"] = sweeps },
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

    /// <summary>One worker's store round trips for each of the 68 folds of a composite-sized trial, as a 10 s fold would make them (one renewal).</summary>
    private static async Task<JsonObject> MeasureOverheadAsync(string url, string scratch, string features)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var definition = WriteSweep(scratch, $"overhead-{store.Kind.ToString().ToLowerInvariant()}", features, "{name: noop}");
        var submitted = await SweepSubmitter.SubmitAsync(store, definition, new FeatureSetCache());
        var sweep = await SweepContext.LoadAsync(store, submitted.Id);
        var featureSet = FeatureSet.Read(features);
        await store.RegisterWorkerAsync("bench", Environment.MachineName, Environment.ProcessId, "cpu");
        var lease = TimeSpan.FromMinutes(1);
        double claim = 0, heartbeat = 0, complete = 0, aggregate = 0;
        var folds = 0;
        var clock = new Stopwatch();
        while (true)
        {
            clock.Restart();
            var claimed = (await store.ClaimAsync("bench", lease, submitted.Id)).Lease;
            if (claimed is null)
                break;
            claim += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await store.HeartbeatAsync("bench");
            await store.RenewAsync(claimed, lease);
            heartbeat += clock.Elapsed.TotalMilliseconds;
            var predictions = featureSet.Samples.Where(s => s.Subject == claimed.HeldOutSubject)
                .Select(s => new SamplePrediction(s.SampleId, s.Subject, s.Database, s.Label, s.Label, [0.2, 0.3, 0.5])).ToList();
            clock.Restart();
            await store.CompleteAsync(claimed, predictions);
            complete += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await TrialAggregator.RecomputeAsync(store, sweep, claimed.TrialId, claimed.HeldOutSubject);
            aggregate += clock.Elapsed.TotalMilliseconds;
            folds++;
        }
        var perFold = (claim + heartbeat + complete + aggregate) / folds;
        return new JsonObject
        {
            ["folds"] = folds,
            ["claim_ms"] = Math.Round(claim / folds, 3),
            ["heartbeat_ms"] = Math.Round(heartbeat / folds, 3),
            ["complete_ms"] = Math.Round(complete / folds, 3),
            ["aggregate_ms"] = Math.Round(aggregate / folds, 3),
            ["per_fold_ms"] = Math.Round(perFold, 3),
            ["overhead_fraction_of_10s_fold"] = Math.Round(perFold / ReferenceFoldMs, 6),
        };
    }

    private static async Task<double> SweepWallSecondsAsync(string url, string scratch, string features, int foldMs, int workers)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var definition = WriteSweep(scratch, $"noop-{workers}-{foldMs}", features, $"{{name: noop, duration: {foldMs}ms}}");
        var clock = Stopwatch.StartNew();
        await new EmbeddedSweep(store, definition, new FoldRunners(new NoopFoldRunner())).RunAsync(workers, "cpu", CancellationToken.None);
        return clock.Elapsed.TotalSeconds;
    }

    private static SweepDefinition WriteSweep(string scratch, string name, string features, string model)
    {
        var path = Path.Combine(scratch, $"{name}.yaml");
        File.WriteAllText(path, $"name: {name}\nfeatures: {features}\nmodel: {model}\nleasing: {{lease_duration: 30s, heartbeat_interval: 1s}}\n");
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
            Console.WriteLine($"{store,-9} per fold {figures!["per_fold_ms"]} ms (claim {figures["claim_ms"]}, heartbeat {figures["heartbeat_ms"]}, "
                + $"complete {figures["complete_ms"]}, aggregate {figures["aggregate_ms"]}) = {(double)figures["overhead_fraction_of_10s_fold"]! * 100:0.###}% of a 10 s fold");
        foreach (var (workers, figures) in result["noop_sweep"]!["workers"]!.AsObject())
            Console.WriteLine($"{workers} worker(s): 68 no-op folds in {figures!["wall_s"]} s (ideal {figures["ideal_s"]} s), parallel efficiency {figures["parallel_efficiency"]}");
    }
}

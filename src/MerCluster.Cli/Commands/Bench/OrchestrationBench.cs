using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Features;
using MerCluster.Core.Metrics;
using MerCluster.Orchestration.Aggregation;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench orchestration [--json]`: what the orchestration costs per fold, and how it scales and recovers.
/// <list type="bullet">
/// <item><c>stores.&lt;kind&gt;.per_fold_ms</c>: the store calls a fold grain (and its trial and sweep grains) makes for one
/// fold, call for call as in FoldGrain/TrialGrain/SweepGrain, over the 68 folds of a composite-sized trial (target below
/// 50 ms on PostgreSQL); <c>grain_per_fold_ms</c>: the same end to end through the grains, a sweep of 68 zero-duration
/// no-op folds on a silo in this process with 1 slot, wall / folds.</item>
/// <item><c>noop_sweep</c>: 68 no-op folds of <c>--fold-ms</c> each on 1, 2 and 4 `mer silo --slots 1` processes sharing one store
/// (target: parallel efficiency at least 0.9).</item>
/// <item><c>failover</c>: three silo processes, a sweep of long no-op folds with a slot to spare; the silo training a fold is
/// SIGKILLed, and the time until that fold's next attempt starts on another silo is measured (target: at most 10 s).</item>
/// </list>
/// The silo processes share a database of a throwaway PostgreSQL server on loopback when PostgreSQL is installed, else a
/// SQLite file. --postgres names a server for the store figures only.
/// </summary>
internal static class OrchestrationBench
{
    private const double ReferenceFoldMs = 10_000;
    private const string ServiceId = MerCluster.Orchestration.Grains.ClusterNames.Cluster;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var foldMs = new Option<int>("--fold-ms") { Description = "How long each no-op fold of the multi-silo sweeps takes.", DefaultValueFactory = _ => 1000 };
        var postgres = new Option<string?>("--postgres") { Description = "A PostgreSQL store URL for the per-fold store figures (default: a throwaway server)." };
        var kills = new Option<int>("--failover-kills") { Description = "How many silos the failover measure kills, one after another.", DefaultValueFactory = _ => 3 };
        var skip = new Option<string[]>("--skip") { Description = "Parts to leave out: stores, grains, silos, failover.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("orchestration", "Per-fold orchestration cost per store and through grains, no-op sweeps on 1, 2 and 4 silo processes, and failover after a SIGKILL.")
        {
            json, foldMs, postgres, kills, skip,
        };
        command.SetAction(parse => Run(parse.GetValue(json), parse.GetValue(foldMs), parse.GetValue(postgres), parse.GetValue(kills),
            (parse.GetValue(skip) ?? []).ToHashSet()).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> Run(bool asJson, int foldMs, string? postgresUrl, int failoverKills, HashSet<string> skip)
    {
        var scratch = Directory.CreateTempSubdirectory("mer-bench-orch-").FullName;
        TemporaryPostgresServer? server = null;
        try
        {
            var features = Path.Combine(scratch, "features");
            BenchSweeps.CompositeShapedFeatures().Write(features);
            if (TemporaryPostgresServer.IsInstalled)
                server = await TemporaryPostgresServer.StartAsync();
            Func<Task<string>>? clusterDatabase = server is null ? null : server.CreateDatabaseAsync;
            var clusterStore = server is null ? "sqlite (one file shared by the silo processes)" : "postgres (throwaway server on loopback)";

            var stores = new JsonObject();
            var kinds = new List<(string Kind, Func<Task<string>> Url)> { ("sqlite", () => Task.FromResult("sqlite:" + Path.Combine(scratch, $"store-{Guid.NewGuid():N}.db"))) };
            if (postgresUrl is not null)
                kinds.Add(("postgres", () => Task.FromResult(postgresUrl)));
            else if (server is not null)
                kinds.Add(("postgres", server.CreateDatabaseAsync));
            foreach (var (kind, url) in kinds)
            {
                var figures = new JsonObject();
                if (!skip.Contains("stores"))
                    figures = await MeasureStoreWorkAsync(await url(), scratch, features);
                if (!skip.Contains("grains"))
                    figures["grain_per_fold_ms"] = await MeasureGrainsAsync(await url(), scratch, features);
                stores[kind] = figures;
            }

            var result = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["reference_fold_ms"] = ReferenceFoldMs,
                ["stores"] = stores,
            };
            if (!skip.Contains("silos"))
                result["noop_sweep"] = await MeasureSilosAsync(clusterDatabase, clusterStore, scratch, features, foldMs);
            if (!skip.Contains("failover") && failoverKills > 0)
                result["failover"] = await MeasureFailoverAsync(clusterDatabase, clusterStore, scratch, failoverKills);
            if (result["failover"] is JsonObject failover)
                result["failover_s"] = failover["failover_s"]?.DeepClone();
            if (asJson)
                Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
                PrintTable(result);
            return 0;
        }
        finally
        {
            if (server is not null)
                await server.DisposeAsync();
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// The store calls made for each of the 68 folds of a composite-sized trial, in the order and shape the grains make
    /// them: FoldGrain.Start (read the fold and its trial, start the attempt, write the fold grain's state, register its
    /// watch reminder), TrialGrain.Report (complete the attempt with its predictions, read the fold), the re-aggregation
    /// (read the trial, recompute, write the trial grain's state), and the end (write the fold grain's state, read and
    /// remove its reminder, the sweep reading the next fold it started).
    /// </summary>
    private static async Task<JsonObject> MeasureStoreWorkAsync(string url, string scratch, string features)
    {
        await using var store = await CoordinationStore.OpenAsync(url);
        var definition = BenchSweeps.Write(scratch, $"overhead-{store.Kind.ToString().ToLowerInvariant()}", features, "{name: noop}");
        var plan = SweepSubmitter.Plan(definition, new FeatureSetCache());
        await store.CreateSweepAsync(plan);
        var sweep = await SweepContext.LoadAsync(store, plan.Id);
        var featureSet = FeatureSet.Read(features);
        var payload = new byte[160];
        Random.Shared.NextBytes(payload);
        double start = 0, complete = 0, aggregate = 0, end = 0;
        var folds = 0;
        var clock = new Stopwatch();
        string? trialEtag = null;
        foreach (var fold in await store.SweepFoldsAsync(plan.Id))
        {
            var grainId = $"fold/{fold.Id}";
            clock.Restart();
            var record = await store.FoldAsync(fold.Id);
            await store.TrialAsync(record!.TrialId);
            await store.StartAttemptAsync(fold.Id, 1, "bench");
            var foldEtag = await store.WriteGrainStateAsync(ServiceId, "fold", grainId, payload, null);
            await store.UpsertReminderAsync(ServiceId, new StoredReminder
            {
                GrainId = grainId, ReminderName = "watch", StartTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), PeriodMs = 60_000, GrainHash = fold.Id,
            });
            start += clock.Elapsed.TotalMilliseconds;

            var predictions = featureSet.Samples.Where(s => s.Subject == fold.HeldOutSubject)
                .Select(s => new SamplePrediction(s.SampleId, s.Subject, s.Database, s.Label, s.Label, [0.2, 0.3, 0.5])).ToList();
            clock.Restart();
            await store.CompleteAttemptAsync(fold.TrialId, fold.Id, 1, predictions);
            await store.FoldAsync(fold.Id);
            complete += clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            await store.TrialAsync(fold.TrialId);
            await TrialAggregator.RecomputeAsync(store, sweep, fold.TrialId, fold.HeldOutSubject);
            trialEtag = await store.WriteGrainStateAsync(ServiceId, "trial", $"trial/{fold.TrialId}", payload, trialEtag);
            aggregate += clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            await store.WriteGrainStateAsync(ServiceId, "fold", grainId, payload, foldEtag);
            if (await store.ReminderAsync(ServiceId, grainId, "watch") is { } reminder)
                await store.RemoveReminderAsync(ServiceId, grainId, "watch", reminder.Etag);
            await store.FoldAsync(fold.Id);
            end += clock.Elapsed.TotalMilliseconds;
            folds++;
        }
        var perFold = (start + complete + aggregate + end) / folds;
        return new JsonObject
        {
            ["folds"] = folds,
            ["start_ms"] = Math.Round(start / folds, 3),
            ["complete_ms"] = Math.Round(complete / folds, 3),
            ["aggregate_ms"] = Math.Round(aggregate / folds, 3),
            ["end_ms"] = Math.Round(end / folds, 3),
            ["per_fold_ms"] = Math.Round(perFold, 3),
            ["overhead_fraction_of_10s_fold"] = Math.Round(perFold / ReferenceFoldMs, 6),
        };
    }

    /// <summary>
    /// A sweep of 68 zero-duration no-op folds through the grains of a silo in this process with 1 slot, from submission
    /// to the store marking the sweep complete, per fold (after an untimed sweep that takes the JIT out).
    /// </summary>
    private static async Task<double> MeasureGrainsAsync(string url, string scratch, string features)
    {
        using var host = await SiloHost.StartAsync(new SiloSettings { StoreUrl = url, Devices = ["cpu"], CacheRoot = Path.Combine(scratch, "cache") });
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var store = host.Services.GetRequiredService<CoordinationStore>();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        double wall = 0;
        foreach (var name in new[] { $"grain-warmup-{suffix}", $"grain-{suffix}" })
        {
            var plan = SweepSubmitter.Plan(BenchSweeps.Write(scratch, name, features, "{name: noop}"), new FeatureSetCache());
            var clock = Stopwatch.StartNew();
            await SweepSubmitter.SubmitAsync(grains, store, plan);
            await BenchSweeps.WaitCompleteAsync(store, plan.Id, TimeSpan.FromMinutes(3));
            wall = clock.Elapsed.TotalMilliseconds;
        }
        await host.StopAsync(CancellationToken.None);
        return Math.Round(wall / 68, 3);
    }

    /// <summary>68 no-op folds on 1, 2 and 4 `mer silo --slots 1` processes; each cluster first runs an untimed sweep of zero-duration folds.</summary>
    private static async Task<JsonObject> MeasureSilosAsync(Func<Task<string>>? postgres, string storeName, string scratch, string features, int foldMs)
    {
        var results = new JsonObject();
        double? serial = null;
        foreach (var count in new[] { 1, 2, 4 })
        {
            var url = await BenchSweeps.StoreUrlAsync(postgres, scratch, $"silos-{count}");
            await using var silos = new SiloProcesses(url, $"bench-{count}", scratch);
            await silos.StartJoinedAsync(count);
            await using var store = await CoordinationStore.OpenAsync(url);
            var warmup = await BenchSweeps.SubmitAsync(url, BenchSweeps.Write(scratch, $"silos-warmup-{count}", features, "{name: noop}"));
            await BenchSweeps.WaitCompleteAsync(store, warmup.Id, TimeSpan.FromMinutes(3), silos);
            var ideal = 68.0 * foldMs / 1000 / count;
            var clock = Stopwatch.StartNew();
            var plan = await BenchSweeps.SubmitAsync(url, BenchSweeps.Write(scratch, $"silos-{count}", features, $"{{name: noop, duration: {foldMs}ms}}"));
            await BenchSweeps.WaitCompleteAsync(store, plan.Id, TimeSpan.FromSeconds(ideal * 3 + 120), silos);
            var wall = clock.Elapsed.TotalSeconds;
            serial ??= wall;
            results[count.ToString()] = new JsonObject
            {
                ["wall_s"] = Math.Round(wall, 3),
                ["ideal_s"] = Math.Round(ideal, 3),
                ["parallel_efficiency"] = Math.Round(serial.Value / (count * wall), 4),
                ["fraction_of_ideal"] = Math.Round(ideal / wall, 4),
            };
        }
        return new JsonObject { ["store"] = storeName, ["folds"] = 68, ["fold_ms"] = foldMs, ["slots_per_silo"] = 1, ["silos"] = results };
    }

    /// <summary>
    /// Three `mer silo --slots 1` processes and a sweep of two long no-op folds, so one silo always has a free slot. The
    /// silo training a fold is SIGKILLed; the failover time runs from the kill to the start of that fold's next attempt
    /// (its start time in the store). A fresh silo then replaces the dead one, and the next kill follows. Kills alternate
    /// between a silo that hosts the sweep's grain and one that does not, where there is a choice.
    /// </summary>
    private static async Task<JsonObject> MeasureFailoverAsync(Func<Task<string>>? postgres, string storeName, string scratch, int killCount)
    {
        var features = Path.Combine(scratch, "features-2");
        BenchSweeps.CompositeShapedFeatures(subjectLimit: 2).Write(features);
        var url = await BenchSweeps.StoreUrlAsync(postgres, scratch, "failover");
        await using var silos = new SiloProcesses(url, "bench-fo", scratch);
        await silos.StartJoinedAsync(3);
        await using var store = await CoordinationStore.OpenAsync(url);
        await using var cluster = await ClusterConnection.ConnectAsync(url);
        var plan = SweepSubmitter.Plan(BenchSweeps.Write(scratch, "failover", features, "{name: noop, duration: 600s}", "max_attempts: 30\n"), new FeatureSetCache());
        await SweepSubmitter.SubmitAsync(cluster.Grains, cluster.Store, plan);
        var random = new Random(7);
        var kills = new JsonArray();
        var timeout = TimeSpan.FromSeconds(60);
        for (var k = 0; k < killCount; k++)
        {
            // Both folds running, each on a live silo, and the third silo up with its slot free.
            var running = await BenchSweeps.WaitForAsync("two folds running on live silos", timeout, async () =>
            {
                var folds = (await store.SweepFoldsAsync(plan.Id)).Where(f => f.State == FoldStates.Running && silos.Named(f.Silo) is { HasExited: false }).ToList();
                return folds.Count == 2 && silos.Running.Count == 3 ? folds : null;
            });
            var sweepHost = await SweepHostAsync(cluster, store, plan.Id);
            var wantHost = k % 2 == 1;
            var candidates = running.Where(f => (f.Silo == sweepHost) == wantHost).ToList();
            if (candidates.Count == 0)
                candidates = running;
            var fold = candidates[random.Next(candidates.Count)];
            var victim = silos.Named(fold.Silo)!;
            var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            SiloProcesses.Kill(victim);
            FoldAttempt next;
            try
            {
                next = await BenchSweeps.WaitForAsync($"fold {fold.HeldOutSubject}'s attempt {fold.Attempt + 1} after silo {victim.Name} was killed", timeout,
                    async () => (await store.AttemptsAsync(fold.Id)).FirstOrDefault(a => a.Attempt > fold.Attempt));
            }
            catch (TimeoutException e)
            {
                var folds = string.Join(", ", (await store.SweepFoldsAsync(plan.Id)).Select(f => $"{f.HeldOutSubject} {f.State} attempt {f.Attempt} on {f.Silo}"));
                string board;
                try
                {
                    board = (await cluster.Grains.GetGrain<ISlotBoardGrain>(SlotBoardGrain.Key).Counts().WaitAsync(TimeSpan.FromSeconds(10))).ToString();
                }
                catch (Exception b)
                {
                    board = b.Message;
                }
                folds += $"; slot board: {board}";
                // A failover past the deadline is a finding, not a crash: it is reported, the silos' last lines on stderr.
                Console.Error.WriteLine($"failover: {e.Message} (kill {k + 1}, sweep grain on {sweepHost ?? "?"}; folds: {folds}):\n"
                    + string.Join('\n', silos.Running.Select(s => s.Tail(15))));
                kills.Add(new JsonObject
                {
                    ["killed_silo"] = victim.Name, ["hosted_sweep_grain"] = sweepHost is null ? null : sweepHost == victim.Name, ["fold"] = fold.HeldOutSubject,
                    ["failover_s"] = null, ["error"] = $"no next attempt within {timeout.TotalSeconds:0} s; {folds}",
                });
                break;
            }
            var lost = (await store.AttemptsAsync(fold.Id)).First(a => a.Attempt == fold.Attempt);
            kills.Add(new JsonObject
            {
                ["killed_silo"] = victim.Name,
                ["hosted_sweep_grain"] = sweepHost is null ? null : sweepHost == victim.Name,
                ["fold"] = fold.HeldOutSubject,
                ["attempt_ended_s"] = lost.FinishedAt is { } ended ? Math.Round((ended - killedAt) / 1000.0, 3) : null,
                ["failover_s"] = Math.Round((next.StartedAt - killedAt) / 1000.0, 3),
                ["next_attempt_silo"] = next.Silo,
            });
            await silos.Start().WaitJoinedAsync(SiloProcesses.JoinTimeout);
        }
        var times = kills.Select(k => (double?)k!["failover_s"]).ToList();
        var timedOut = times.Any(t => t is null);
        return new JsonObject
        {
            ["store"] = storeName,
            ["silos"] = 3,
            ["failover_s"] = timedOut ? null : times.Max(),
            ["failover_timed_out"] = timedOut,
            ["failover_mean_s"] = times.Any(t => t is not null) ? Math.Round(times.Where(t => t is not null).Average()!.Value, 3) : null,
            ["kills"] = kills,
        };
    }

    /// <summary>The name of the silo the sweep's grain is active on (from the management grain and the membership rows); null when unknown.</summary>
    private static async Task<string?> SweepHostAsync(ClusterConnection cluster, CoordinationStore store, string sweepId)
    {
        try
        {
            var management = cluster.Grains.GetGrain<IManagementGrain>(0);
            var address = await management.GetActivationAddress(cluster.Grains.GetGrain<ISweepGrain>(sweepId)).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            if (address is null)
                return null;
            var rows = (await store.ReadMembershipAsync(ServiceId))?.Silos ?? [];
            return rows.FirstOrDefault(r => r.Port == address.Endpoint.Port && r.Generation == address.Generation)?.SiloName;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static void PrintTable(JsonObject result)
    {
        foreach (var (store, figures) in result["stores"]!.AsObject())
        {
            if (figures!["per_fold_ms"] is { } perFold)
                Console.WriteLine($"{store,-9} store work per fold {perFold} ms (start {figures["start_ms"]}, complete {figures["complete_ms"]}, "
                    + $"aggregate {figures["aggregate_ms"]}, end {figures["end_ms"]}) = {(double)figures["overhead_fraction_of_10s_fold"]! * 100:0.###}% of a 10 s fold");
            if (figures["grain_per_fold_ms"] is { } grains)
                Console.WriteLine($"{store,-9} through the grains (1 slot, 68 zero-duration folds): {grains} ms per fold");
        }
        if (result["noop_sweep"] is JsonObject sweep)
        {
            Console.WriteLine($"no-op sweep, {sweep["folds"]} folds of {sweep["fold_ms"]} ms, store {sweep["store"]}:");
            Console.WriteLine($"  {"silos",5} {"wall s",8} {"ideal s",8} {"efficiency",10} {"of ideal",8}");
            foreach (var (silos, figures) in sweep["silos"]!.AsObject())
                Console.WriteLine($"  {silos,5} {figures!["wall_s"],8} {figures["ideal_s"],8} {figures["parallel_efficiency"],10} {figures["fraction_of_ideal"],8}");
        }
        if (result["failover"] is JsonObject failover)
        {
            Console.WriteLine($"failover, 3 silos, store {failover["store"]}: worst {failover["failover_s"]?.ToString() ?? "TIMED OUT (> 60 s)"} s, mean of the others {failover["failover_mean_s"]} s");
            foreach (var kill in failover["kills"]!.AsArray())
                Console.WriteLine($"  killed {kill!["killed_silo"]} (sweep grain there: {kill["hosted_sweep_grain"]?.ToString() ?? "?"}) training {kill["fold"]}: "
                    + (kill["error"] is { } error ? error.ToString() : $"attempt ended after {kill["attempt_ended_s"]} s, next attempt on {kill["next_attempt_silo"]} after {kill["failover_s"]} s"));
        }
    }
}

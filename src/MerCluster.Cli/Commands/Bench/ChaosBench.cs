using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Store;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench chaos [--kills 20] [--store-outage 60] [--json]`: a sweep of short no-op folds (<c>--fold-ms</c>, default 1.5 s, over the
/// composite-shaped 68 subjects and 442 samples, <c>--trials</c> grid points) on <c>--silos</c> `mer silo --slots 1`
/// processes, during which <c>--kills</c> silos chosen at random (seeded) are SIGKILLed one at a time at random moments
/// and each replaced by a fresh silo process. Then every trial's stored predictions are checked against the samples:
/// none may be missing (lost) or there twice (doubled), no fold may have two attempts recorded as done, and no fold may
/// fail (kills are interruptions, not failures, and the sweep's max_interruptions is high enough that they never fail one).
/// <c>--store-outage SECONDS</c> also stops the PostgreSQL server at once (as a crash would) once a third of the folds
/// are done, for that long, and starts it again; the folds finishing meanwhile must keep their results. The same sweep
/// without kills or outage gives the wall time to compare with.
/// </summary>
internal static class ChaosBench
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var kills = new Option<int>("--kills") { Description = "Silos SIGKILLed (and replaced) during the sweep.", DefaultValueFactory = _ => 20 };
        var silos = new Option<int>("--silos") { Description = "Silo processes (1 slot each) running the sweep.", DefaultValueFactory = _ => 3 };
        var foldMs = new Option<int>("--fold-ms") { Description = "How long each no-op fold takes.", DefaultValueFactory = _ => 1500 };
        var trials = new Option<int>("--trials") { Description = "Grid points of the sweep (68 folds each).", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random kills.", DefaultValueFactory = _ => 1 };
        var maxAttempts = new Option<int>("--max-attempts") { Description = "The sweep's max_attempts.", DefaultValueFactory = _ => 30 };
        var storeOutage = new Option<int>("--store-outage")
        {
            Description = "Seconds the PostgreSQL server is stopped (immediate mode) and then restarted, once a third of the folds are done (0: no outage).",
        };
        var command = new Command("chaos", "Kill silos at random during a sweep of short folds and check that no prediction is lost or doubled.")
        {
            json, kills, silos, foldMs, trials, seed, maxAttempts, storeOutage,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(silos) < 2 || parse.GetValue(trials) < 1 || parse.GetValue(kills) < 0 || parse.GetValue(storeOutage) < 0)
            {
                Console.Error.WriteLine("--silos at least 2 (one always survives a kill), --trials at least 1, --kills and --store-outage at least 0");
                return 2;
            }
            if (parse.GetValue(storeOutage) > 0 && !TemporaryPostgresServer.IsInstalled)
            {
                Console.Error.WriteLine($"--store-outage stops a throwaway PostgreSQL server, and PostgreSQL 15 is not installed ({TemporaryPostgresServer.BinDirectory}): run scripts/bootstrap");
                return 2;
            }
            return Run(parse.GetValue(json), parse.GetValue(kills), parse.GetValue(silos), parse.GetValue(foldMs), parse.GetValue(trials), parse.GetValue(seed),
                parse.GetValue(maxAttempts), parse.GetValue(storeOutage)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> Run(bool asJson, int kills, int siloCount, int foldMs, int trials, int seed, int maxAttempts, int outageSeconds)
    {
        var scratch = Directory.CreateTempSubdirectory("mer-bench-chaos-").FullName;
        TemporaryPostgresServer? server = null;
        try
        {
            var features = Path.Combine(scratch, "features");
            BenchSweeps.CompositeShapedFeatures().Write(features);
            var samples = FeatureSet.Read(features).Samples.Select(s => s.SampleId).ToHashSet();
            if (TemporaryPostgresServer.IsInstalled)
                server = await TemporaryPostgresServer.StartAsync();
            Func<Task<string>>? database = server is null ? null : server.CreateDatabaseAsync;
            var grid = string.Join(", ", Enumerable.Range(1, trials).Select(t => $"{t}.0e-3"));
            var extra = $"max_attempts: {maxAttempts}\ntrain: {{learning_rate: 1.0e-3}}\ngrid:\n  train.learning_rate: [{grid}]\n";
            var model = $"{{name: noop, duration: {foldMs}ms}}";
            var ideal = 68.0 * trials * foldMs / 1000 / siloCount;
            var timeout = TimeSpan.FromSeconds(ideal * 4 + 240 + outageSeconds * 2);

            // The same sweep without kills (its own database, so its silos and sweep are fresh too).
            var calm = await RunSweepAsync(await BenchSweeps.StoreUrlAsync(database, scratch, "calm"), "calm", scratch,
                BenchSweeps.Write(scratch, "chaos-calm", features, model, extra), siloCount, 0, seed, samples, timeout, null);
            var chaos = await RunSweepAsync(await BenchSweeps.StoreUrlAsync(database, scratch, "chaos"), "chaos", scratch,
                BenchSweeps.Write(scratch, "chaos", features, model, extra), siloCount, kills, seed, samples, timeout,
                outageSeconds > 0 ? new Outage(server!, TimeSpan.FromSeconds(outageSeconds)) : null);

            var result = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["store"] = server is null ? "sqlite (one file shared by the silo processes)" : "postgres (throwaway server on loopback)",
                ["folds"] = "noop",
                ["fold_ms"] = foldMs,
                ["silos"] = siloCount,
                ["slots_per_silo"] = 1,
                ["trials"] = trials,
                ["max_attempts"] = maxAttempts,
                ["seed"] = seed,
                ["kills_asked"] = kills,
                ["store_outage_s"] = outageSeconds,
            };
            foreach (var (key, value) in chaos)
                result[key] = value?.DeepClone();
            result["wall_s_without_kills"] = calm["wall_s"]!.DeepClone();
            result["without_kills"] = calm;
            if (asJson)
                Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
                PrintTable(result);
            var clean = (int)result["predictions_lost"]! == 0 && (int)result["predictions_doubled"]! == 0 && (int)result["folds_failed"]! == 0
                && (int)result["silos_exited"]! == 0;
            return clean ? 0 : 1;
        }
        finally
        {
            if (server is not null)
                await server.DisposeAsync();
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The store outage of a run: the server stopped and how long it stays down.</summary>
    private sealed record Outage(TemporaryPostgresServer Server, TimeSpan Length);

    /// <summary>
    /// Runs the sweep on its own cluster, killing <paramref name="kills"/> silos during it and stopping the store once
    /// when <paramref name="outage"/> says so; returns the figures and the checks.
    /// </summary>
    private static async Task<JsonObject> RunSweepAsync(string url, string prefix, string scratch, Orchestration.Sweeps.SweepDefinition definition,
        int siloCount, int kills, int seed, HashSet<string> samples, TimeSpan timeout, Outage? outage)
    {
        await using var silos = new SiloProcesses(url, $"{prefix}", scratch);
        await silos.StartJoinedAsync(siloCount);
        await using var store = await CoordinationStore.OpenAsync(url);
        var clock = Stopwatch.StartNew();
        var plan = await BenchSweeps.SubmitAsync(url, definition);
        using var stop = new CancellationTokenSource();
        // Kills and the outage take turns: a silo started while the store is down could not join and would exit.
        using var turn = new SemaphoreSlim(1, 1);
        var killing = KillAsync(silos, store, plan.Id, siloCount, kills, new Random(seed), clock, turn, stop.Token);
        var outages = outage is null ? Task.FromResult(new JsonArray()) : StopStoreAsync(outage, silos, store, plan.Id, clock, turn, stop.Token);
        try
        {
            await BenchSweeps.WaitCompleteAsync(store, plan.Id, timeout, silos);
        }
        finally
        {
            await stop.CancelAsync();
        }
        var wall = clock.Elapsed.TotalSeconds;
        var killed = await killing;
        var stopped = await outages;
        var result = await CheckAsync(store, plan.Id, samples, wall, killed, silos.Started);
        result["store_outages"] = stopped.Count;
        result["outage_log"] = stopped;
        // A silo process that ended without being killed: the outage (or anything else) brought it down.
        result["silos_exited"] = silos.All.Count(s => s.HasExited && !s.Killed);
        return result;
    }

    /// <summary>
    /// Once a third of the folds are done, and every silo started has joined, stops the store's server in immediate mode,
    /// keeps it down for the outage's length, and starts it again; the kills wait meanwhile.
    /// </summary>
    private static async Task<JsonArray> StopStoreAsync(Outage outage, SiloProcesses silos, CoordinationStore store, string sweepId, Stopwatch clock,
        SemaphoreSlim turn, CancellationToken stop)
    {
        var done = new JsonArray();
        try
        {
            var folds = (await store.SweepFoldsAsync(sweepId, stop)).Count;
            while ((await store.ProgressAsync(sweepId, stop)).Sum(p => p.Done) < folds / 3)
                await Task.Delay(100, stop);
            await turn.WaitAsync(stop);
            try
            {
                await BenchSweeps.WaitForAsync("every silo started to join before the outage", SiloProcesses.JoinTimeout,
                    () => Task.FromResult(silos.Running.All(s => s.Joined) ? "joined" : null));
                var at = clock.Elapsed.TotalSeconds;
                var running = (await store.SweepFoldsAsync(sweepId, stop)).Count(f => f.State == FoldStates.Running);
                await outage.Server.StopAsync();
                await Task.Delay(outage.Length, CancellationToken.None);
                await outage.Server.RestartAsync();
                done.Add(new JsonObject { ["at_s"] = Math.Round(at, 2), ["down_s"] = Math.Round(clock.Elapsed.TotalSeconds - at, 2), ["folds_running"] = running });
            }
            finally
            {
                turn.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
        return done;
    }

    /// <summary>
    /// Kills until <paramref name="kills"/> are done or the sweep ends: waits a random 0.5-3.5 s, waits until all but
    /// one of the silos have joined (so the cluster always keeps at least one), SIGKILLs a random joined silo, and starts
    /// a fresh one in its place without waiting for it.
    /// </summary>
    private static async Task<JsonArray> KillAsync(SiloProcesses silos, CoordinationStore store, string sweepId, int siloCount, int kills,
        Random random, Stopwatch clock, SemaphoreSlim turn, CancellationToken stop)
    {
        var done = new JsonArray();
        try
        {
            for (var k = 0; k < kills; k++)
            {
                await Task.Delay(TimeSpan.FromSeconds(0.5 + random.NextDouble() * 3), stop);
                await turn.WaitAsync(stop);
                try
                {
                    if (!await KillOneAsync(silos, store, sweepId, siloCount, k, random, clock, done, stop))
                        break;
                }
                finally
                {
                    turn.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return done;
    }

    /// <summary>Kill <paramref name="k"/>: false when the sweep is over.</summary>
    private static async Task<bool> KillOneAsync(SiloProcesses silos, CoordinationStore store, string sweepId, int siloCount, int k, Random random,
        Stopwatch clock, JsonArray done, CancellationToken stop)
    {
        var joinDeadline = Stopwatch.StartNew();
        List<SiloProcess> joined;
        while ((joined = silos.Running.Where(s => s.Joined).ToList()).Count < siloCount - 1)
        {
            if (joinDeadline.Elapsed > SiloProcesses.JoinTimeout)
                throw new TimeoutException($"fewer than {siloCount - 1} silos joined within {SiloProcesses.JoinTimeout.TotalSeconds:0} s after kill {k}:\n"
                    + string.Join('\n', silos.Running.Select(s => s.Tail(8))));
            await Task.Delay(50, stop);
        }
        if ((await store.FindSweepAsync(sweepId, stop))?.State != SweepStates.Running)
            return false;
        var victim = joined[random.Next(joined.Count)];
        var training = (await store.SweepFoldsAsync(sweepId, stop)).Count(f => f.State == FoldStates.Running && f.Silo == victim.Name);
        SiloProcesses.Kill(victim);
        done.Add(new JsonObject { ["at_s"] = Math.Round(clock.Elapsed.TotalSeconds, 2), ["silo"] = victim.Name, ["folds_running_there"] = training });
        silos.Start();
        return true;
    }

    /// <summary>Every trial's predictions against the samples, and every fold's attempts.</summary>
    private static async Task<JsonObject> CheckAsync(CoordinationStore store, string sweepId, HashSet<string> samples, double wall, JsonArray kills, int silosStarted)
    {
        int expected = 0, lost = 0, doubled = 0, doneTwice = 0, stale = 0, failed = 0, attempts = 0, attemptsLost = 0, givenBack = 0, interruptions = 0;
        var folds = await store.SweepFoldsAsync(sweepId);
        foreach (var trial in await store.TrialsAsync(sweepId))
        {
            var predictions = await store.PredictionsAsync(trial.Id);
            expected += samples.Count;
            lost += samples.Count(s => !predictions.Any(p => p.SampleId == s));
            doubled += predictions.GroupBy(p => p.SampleId).Sum(g => g.Count() - 1);
            var doneAttempt = folds.Where(f => f.TrialId == trial.Id).ToDictionary(f => f.Id, f => f.Attempt);
            stale += predictions.Count(p => !doneAttempt.TryGetValue(p.FoldId, out var attempt) || attempt != p.Attempt);
        }
        foreach (var fold in folds)
        {
            var history = await store.AttemptsAsync(fold.Id);
            attempts += history.Count;
            doneTwice += Math.Max(0, history.Count(a => a.Outcome == FoldStates.Done) - 1);
            // Both are interruptions; an attempt lost with a killed silo says its silo died, one given back that it stopped.
            attemptsLost += history.Count(a => a.Outcome == "interrupted" && a.Error?.Contains(" died ", StringComparison.Ordinal) == true);
            givenBack += history.Count(a => a.Outcome == "interrupted" && a.Error?.Contains(" died ", StringComparison.Ordinal) != true);
            interruptions += fold.Interruptions;
            if (fold.State == FoldStates.Failed)
                failed++;
        }
        return new JsonObject
        {
            ["wall_s"] = Math.Round(wall, 3),
            ["kills"] = kills.Count,
            ["silos_started"] = silosStarted,
            ["predictions_expected"] = expected,
            ["predictions_lost"] = lost,
            ["predictions_doubled"] = doubled + doneTwice,
            ["predictions_duplicate_rows"] = doubled,
            ["folds_done_twice"] = doneTwice,
            ["predictions_of_other_attempts"] = stale,
            ["folds"] = folds.Count,
            ["folds_done"] = folds.Count(f => f.State == FoldStates.Done),
            ["folds_failed"] = failed,
            ["interruptions"] = interruptions,
            ["attempts"] = attempts,
            ["attempts_lost_to_kills"] = attemptsLost,
            ["attempts_given_back"] = givenBack,
            ["kill_log"] = kills,
        };
    }

    private static void PrintTable(JsonObject r)
    {
        Console.WriteLine($"chaos: {r["trials"]} trial(s) x {r["folds"]!.GetValue<int>() / r["trials"]!.GetValue<int>()} no-op folds of {r["fold_ms"]} ms on {r["silos"]} silos "
            + $"(1 slot each), store {r["store"]}, max_attempts {r["max_attempts"]}, seed {r["seed"]}");
        Console.WriteLine($"  kills                 {r["kills"]} of {r["kills_asked"]} asked ({r["silos_started"]} silo processes started)");
        Console.WriteLine($"  predictions expected  {r["predictions_expected"]}");
        Console.WriteLine($"  predictions lost      {r["predictions_lost"]}");
        Console.WriteLine($"  predictions doubled   {r["predictions_doubled"]} (duplicate rows {r["predictions_duplicate_rows"]}, folds done twice {r["folds_done_twice"]})");
        Console.WriteLine($"  folds failed          {r["folds_failed"]} of {r["folds"]} ({r["interruptions"]} interruptions)");
        Console.WriteLine($"  store outages         {r["store_outages"]} of {r["store_outage_s"]} s ({r["silos_exited"]} silo processes exited on their own)");
        Console.WriteLine($"  attempts              {r["attempts"]} ({r["attempts_lost_to_kills"]} lost to kills, {r["attempts_given_back"]} given back)");
        Console.WriteLine($"  wall                  {r["wall_s"]} s with kills, {r["wall_s_without_kills"]} s without");
    }
}

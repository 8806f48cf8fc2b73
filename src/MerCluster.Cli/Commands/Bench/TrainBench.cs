using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core.Arrays;
using MerCluster.Core.Configuration;
using MerCluster.Core.Features;
using MerCluster.Training;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench train [--json]`: per model and config (configs/models/NAME.yaml, the paper's settings, and
/// NAME-small.yaml, the CPU-sized one), the trainer's time per step and throughput, peak memory, and the loop overhead
/// over bare libtorch steps on the same batches (target below 0.05; STSTNet's epoch over 430 samples of 3x28x28 at
/// batch 256 below 0.1 s on 2 threads).
/// </summary>
internal static class TrainBench
{
    private sealed record Case(string Model, string Config, TrainingConfig Settings, int Samples, int Repeats);

    // STSTNet: a composite fold's training set at its public code's batch size; MJFN: four of its batches of 12; any
    // other paper config: two batches (ViT-B MSMMT takes seconds per step on a CPU), a small config: four batches.
    // Cheap epochs get more repeats (the best of several is what stays meaningful on a busy machine).
    private static readonly Dictionary<string, (int Samples, int Repeats)> Sized = new()
    {
        ["ststnet"] = (430, 10),
        ["mjfn"] = (48, 5),
    };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads.", DefaultValueFactory = _ => 2 };
        var repeats = new Option<int?>("--repeats") { Description = "Timed epochs per case, each through the trainer and bare (the best counts); default 10 for STSTNet, 5 for MJFN, 3 for small configs, 1 for other paper configs." };
        var models = new Option<string[]>("--model") { Description = "Models to measure (repeatable); default: all six.", AllowMultipleArgumentsPerToken = true };
        var configs = new Option<string>("--config") { Description = "paper (configs/models/NAME.yaml), small (NAME-small.yaml) or all.", DefaultValueFactory = _ => "all" };
        configs.AcceptOnlyFromAmong("paper", "small", "all");
        var command = new Command("train", "Training speed per model and config: ms per step, samples/s, peak RSS, loop overhead over bare libtorch.")
        {
            json, threads, repeats, models, configs,
        };
        command.SetAction(parse => Run(parse.GetValue(json), parse.GetValue(threads), parse.GetValue(repeats), parse.GetValue(models) ?? [], parse.GetValue(configs)!));
        return command;
    }

    private static int Run(bool asJson, int threads, int? repeats, string[] only, string configs)
    {
        try
        {
            return Report(Measure(Cases(only, configs), threads, repeats), asJson);
        }
        catch (Exception e) when (e is TrainingException or ConfigException or ArgumentException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary>Every registered model (or those named) with its shipped configs; a model without one runs at its defaults.</summary>
    private static List<Case> Cases(string[] only, string configs)
    {
        var registered = TrainingCore.Models().Select(m => m.Name).ToList();
        var unknown = only.Except(registered).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"--model: unknown model(s) {string.Join(", ", unknown)}; registered: {string.Join(", ", registered)}");
        var cases = new List<Case>();
        foreach (var model in only.Length > 0 ? [.. only] : registered)
        {
            var paper = TrainingConfig.PathFor(model);
            var small = Path.Combine(Path.GetDirectoryName(paper)!, $"{model}-small.yaml");
            if (configs != "small")
                cases.Add(CaseOf(model, "paper", TrainingConfig.ForModel(model)));
            if (configs != "paper" && File.Exists(small))
                cases.Add(CaseOf(model, "small", TrainingConfig.Load(small)));
        }
        return cases;
    }

    private static Case CaseOf(string model, string config, TrainingConfig settings) =>
        Sized.TryGetValue(model, out var sized)
            ? new Case(model, config, settings, sized.Samples, sized.Repeats)
            : config == "small"
                ? new Case(model, config, settings, 4 * settings.Train.BatchSize, 3)
                : new Case(model, config, settings, 2 * settings.Train.BatchSize, 1);

    private static JsonArray Measure(List<Case> cases, int threads, int? repeats)
    {
        var results = new JsonArray();
        foreach (var c in cases)
        {
            ResetPeakRss();
            using var trainer = Trainer.Create(c.Settings.Model, c.Settings.Train with { Threads = threads, Seed = 1 });
            var set = RandomSet(trainer.Description, c.Samples);
            var bench = trainer.Benchmark(set, repeats ?? c.Repeats);
            results.Add(new JsonObject
            {
                ["model"] = c.Model,
                ["config"] = c.Config,
                ["samples"] = c.Samples,
                ["batch_size"] = c.Settings.Train.BatchSize,
                ["steps_per_epoch"] = bench.Steps,
                ["epoch_seconds"] = Round(bench.TrainerSeconds),
                ["ms_per_step"] = Round(1000 * bench.TrainerSeconds / bench.Steps),
                ["samples_per_s"] = Round(c.Samples / bench.TrainerSeconds),
                ["raw_ms_per_step"] = Round(1000 * bench.RawSeconds / bench.Steps),
                ["loop_overhead_fraction"] = Round(bench.LoopOverheadFraction),
                ["peak_rss_mb"] = Round(PeakRssMb()),
                ["threads"] = bench.Threads,
                ["framework"] = TrainingCore.Framework,
                ["libtorch"] = TrainingCore.LibTorch,
            });
            if (c is { Model: "ststnet", Config: "paper" })
                results[^1]!.AsObject()["memory_200_epochs"] = MemoryOverEpochs(c, threads);
        }
        return results;
    }

    private static int Report(JsonArray results, bool asJson)
    {
        var report = new JsonObject
        {
            ["framework"] = TrainingCore.Framework,
            ["libtorch"] = TrainingCore.LibTorch,
            // Wall-clock figures on a shared machine are only as good as its idleness: say how busy it was.
            ["load_average_1m"] = LoadAverage(),
            ["targets"] = new JsonObject { ["loop_overhead_fraction_max"] = 0.05, ["ststnet_epoch_seconds_max"] = 0.1, ["ststnet_200_epoch_rss_growth_max"] = 0.1 },
            ["models"] = results,
        };
        if (asJson)
        {
            Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine($"{TrainingCore.Version}; load average {LoadAverage()?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}");
        Console.WriteLine($"{"model",-14} {"config",-6} {"batch",5} {"ms/step",9} {"samples/s",10} {"epoch s",8} {"overhead",9} {"peak MB",8} {"threads",7}");
        foreach (var r in results.Select(r => r!.AsObject()))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r["model"],-14} {r["config"],-6} {(int)r["batch_size"]!,5} {(double)r["ms_per_step"]!,9:F2} {(double)r["samples_per_s"]!,10:F0} {(double)r["epoch_seconds"]!,8:F3} {(double)r["loop_overhead_fraction"]!,9:F3} {(double)r["peak_rss_mb"]!,8:F0} {(int)r["threads"]!,7}"));
        return 0;
    }

    private static double Round(double value) => Math.Round(value, 4);

    /// <summary>
    /// A 200-epoch STSTNet fold (the paper config on the same random set), as a silo training for hours sees it: the
    /// resident memory after 10 and after 200 epochs, the peak of each span, and the tensors alive on the training
    /// thread at both (equal unless tensors leak). Target: the peak of epochs 11-200 within 10% of the first ten's.
    /// </summary>
    private static JsonObject MemoryOverEpochs(Case c, int threads)
    {
        using var trainer = Trainer.Create(c.Settings.Model, c.Settings.Train with { Threads = threads, Seed = 1, Epochs = 200 });
        var set = RandomSet(trainer.Description, c.Samples);
        ResetPeakRss();
        var at10 = (Rss: 0.0, Peak: 0.0, Live: 0L);
        var at200 = at10;
        trainer.Fit(set, new EpochWatch(epoch =>
        {
            if (epoch is not (10 or 200))
                return;
            var seen = (ResidentMb(), PeakRssMb(), TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            if (epoch == 10)
            {
                at10 = seen;
                ResetPeakRss();
            }
            else
                at200 = seen;
        }));
        return new JsonObject
        {
            ["rss_after_10_epochs_mb"] = Round(at10.Rss),
            ["rss_after_200_epochs_mb"] = Round(at200.Rss),
            ["peak_rss_epochs_1_to_10_mb"] = Round(at10.Peak),
            ["peak_rss_epochs_11_to_200_mb"] = Round(at200.Peak),
            ["peak_growth_fraction"] = Round(at200.Peak / at10.Peak - 1),
            ["live_tensors_after_10_epochs"] = at10.Live,
            ["live_tensors_after_200_epochs"] = at200.Live,
        };
    }

    private sealed class EpochWatch(Action<int> onEpoch) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => onEpoch(value.Epoch);
    }

    private static double ResidentMb() => StatusMb("VmRSS:") ?? Environment.WorkingSet / 1048576.0;

    /// <summary>Random inputs of the model's shapes and balanced labels: speed does not depend on the values.</summary>
    private static FeatureSet RandomSet(ModelDescription model, int n)
    {
        var random = new Random(1);
        var classes = Enumerable.Range(0, model.Classes).Select(i => $"class{i}").ToArray();
        var samples = Enumerable.Range(0, n).Select(i => new FeatureSample($"bench/s{i % 17}/clip{i}", $"bench/s{i % 17}", "bench", classes[i % classes.Length])).ToList();
        var inputs = model.Inputs.Select(input =>
        {
            var data = new float[n * input.Shape.Aggregate(1, (a, b) => a * b)];
            for (var i = 0; i < data.Length; i++)
                data[i] = (float)random.NextDouble();
            return KeyValuePair.Create(input.Name, new NdArray<float>([n, .. input.Shape], data));
        }).ToList();
        return new FeatureSet(classes, samples, inputs);
    }

    /// <summary>Starts a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM), so each model's peak is its own.</summary>
    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without it the peak is the process's since start: an upper bound, still worth reporting.
        }
    }

    private static double? LoadAverage() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : null;

    private static double PeakRssMb() => StatusMb("VmHWM:") ?? Environment.WorkingSet / 1048576.0;

    /// <summary>A kB line of /proc/self/status in MB (Linux), or null.</summary>
    private static double? StatusMb(string key)
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) : null;
        return line is null ? null : double.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}

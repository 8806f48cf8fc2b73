using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Datasets;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench datasets [--json]`: seconds to write the full-scale synthetic composite (target: a few minutes on 2 cores)
/// and to build its manifest from the written tree without decoding pixels (target below 5 s).
/// </summary>
internal static class DatasetsBench
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var threads = new Option<int>("--threads") { Description = "Clips rendered at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var keep = new Option<string?>("--keep") { Description = "Write the tree here and keep it (default: a temporary folder, deleted)." };
        var command = new Command("datasets", "Synthetic full-scale generation and manifest building times.") { json, threads, keep };
        command.SetAction(parse => Run(parse.GetValue(json), parse.GetValue(threads), parse.GetValue(keep)));
        return command;
    }

    private static int Run(bool asJson, int threads, string? keep)
    {
        var root = keep ?? Path.Combine(Path.GetTempPath(), $"mer-bench-datasets-{Environment.ProcessId}");
        try
        {
            var watch = Stopwatch.StartNew();
            var plan = SyntheticDataset.Write(root, new SynthOptions { Scale = SynthScale.Full, Seed = 1, Threads = threads });
            var synthSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var (manifest, _) = DatasetsCommand.Load(Path.Combine(root, "SMIC"), Path.Combine(root, "CASME2"), Path.Combine(root, "SAMM"), "megc2019-3class");
            var manifestSeconds = watch.Elapsed.TotalSeconds;
            var frames = plan.Clips.Sum(c => c.FrameCount);
            var report = new JsonObject
            {
                ["synth_full_s"] = Math.Round(synthSeconds, 2),
                ["manifest_full_s"] = Math.Round(manifestSeconds, 3),
                ["clips"] = plan.Clips.Count,
                ["frames"] = frames,
                ["frame_size"] = SyntheticDataset.FrameSize,
                ["ms_per_frame"] = Math.Round(1000 * synthSeconds / frames, 2),
                ["composite_samples"] = manifest.Samples.Count,
                ["threads"] = threads,
                ["targets"] = new JsonObject { ["manifest_full_s_max"] = 5.0 },
            };
            Console.WriteLine(asJson
                ? report.ToJsonString(new JsonSerializerOptions { WriteIndented = true })
                : $"synthetic full scale: {synthSeconds:F1} s for {plan.Clips.Count} clips, {frames} frames ({1000 * synthSeconds / frames:F1} ms/frame, {threads} threads)\n" +
                  $"manifest of the full composite: {manifestSeconds:F3} s ({manifest.Samples.Count} samples; target < 5 s)");
            return 0;
        }
        catch (DatasetException e)
        {
            Console.Error.WriteLine($"mer bench datasets: {e.Message}");
            return 1;
        }
        finally
        {
            if (keep is null && Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }
}

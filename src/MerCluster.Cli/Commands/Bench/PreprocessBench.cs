using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MerCluster.Core;
using MerCluster.Pipeline;
using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Clips;
using MerCluster.Pipeline.Steps;
using MerCluster.Vision;

namespace MerCluster.Cli.Commands.Bench;

/// <summary>
/// `mer bench preprocess [--json]`: TV-L1 pairs per second on 224x224 aligned faces (targets: >= 3 with 2 threads),
/// faces per second on the 512x512 portrait, whole-pipeline clips per second on a clip made from the portrait (every
/// clip computed from scratch into an empty cache), and the managed overhead of that pipeline: the share of its wall
/// time spent outside native vision calls (hashing, conversions, cache writes; target below 0.05).
/// Wall-clock rates depend on what else runs on the machine; tvl1_cpu_seconds_per_pair does not.
/// </summary>
internal static class PreprocessBench
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var threads = new Option<int>("--threads") { Description = "Worker threads (one pair or face per thread at a time).", DefaultValueFactory = _ => 2 };
        var pairs = new Option<int>("--pairs") { Description = "TV-L1 pairs timed.", DefaultValueFactory = _ => 8 };
        var clips = new Option<int>("--clips") { Description = "Whole-pipeline clips timed.", DefaultValueFactory = _ => 3 };
        var pipeline = new Option<string>("--pipeline") { Description = "Pipeline of the clip figures.", DefaultValueFactory = _ => "ststnet" };
        var command = new Command("preprocess", "Preprocessing speed: TV-L1 pairs/s, faces/s, clips/s and managed overhead.")
        {
            json, threads, pairs, clips, pipeline,
        };
        command.SetAction(parse => Run(parse.GetValue(json), parse.GetValue(threads), parse.GetValue(pairs), parse.GetValue(clips), parse.GetValue(pipeline)!));
        return command;
    }

    private static int Run(bool asJson, int threads, int pairCount, int clipCount, string pipelineName)
    {
        var options = PipelineOptions.Load(pipelineName) with { Threads = threads };
        var portrait = Image.Read(RepositoryPaths.AstronautPortrait, ImageColor.Bgr);
        using var faces = FaceModel.Load();
        var work = Path.Combine(Path.GetTempPath(), $"mer-bench-preprocess-{Environment.ProcessId}");
        try
        {
            // Pairs and faces: one item per worker thread at a time, OpenCV itself single-threaded so the workers do not oversubscribe the cores.
            VisionCore.SetThreads(1);
            var face = faces.Detect(portrait, "astronaut");
            var onset = Alignment.AlignClip([portrait], face, 224).Frames[0];
            var apex = Alignment.AlignClip([Warp.Remap(portrait, FlowField.Uniform(portrait.Height, portrait.Width, -1.5f, 0))], face, 224).Frames[0];
            OpticalFlow.TvL1(onset, apex);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var tvl1Seconds = TimeItems(pairCount, threads, _ => OpticalFlow.TvL1(onset, apex));
            var tvl1CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            faces.Detect(portrait, "astronaut");
            var faceCount = 20;
            var faceSeconds = TimeItems(faceCount, threads, _ => faces.Detect(portrait, "astronaut"));
            VisionCore.SetThreads(threads);
            var openCvThreadedSeconds = TimeItems(pairCount, 1, _ => OpticalFlow.TvL1(onset, apex));

            // Clips: the pipeline as `mer preprocess` runs it (one clip at a time, OpenCV on `threads`), each from an empty cache.
            var clip = TranslatedClip.Write(portrait, Path.Combine(work, "clip"), 6, 0.5f, 1, 4, "astronaut");
            RunClip(options, faces, clip, Path.Combine(work, "warmup-cache"));
            var wall = TimeSpan.Zero;
            var native = TimeSpan.Zero;
            var store = TimeSpan.Zero;
            for (var i = 0; i < clipCount; i++)
            {
                var nativeBefore = NativeClock.Elapsed;
                var started = Stopwatch.GetTimestamp();
                var stats = RunClip(options, faces, clip, Path.Combine(work, $"cache{i}"));
                wall += Stopwatch.GetElapsedTime(started);
                store += stats.StoreTime;
                native += NativeClock.Elapsed - nativeBefore;
            }

            var result = new JsonObject
            {
                ["threads"] = threads,
                ["tvl1_pairs_per_s"] = Round(pairCount / tvl1Seconds),
                ["tvl1_pairs_per_s_opencv_threads"] = Round(pairCount / openCvThreadedSeconds),
                // CPU time per pair does not depend on what else runs on the machine: threads / it is the rate on idle cores.
                ["tvl1_cpu_seconds_per_pair"] = Round(tvl1CpuSeconds / pairCount),
                ["tvl1_size"] = 224,
                ["faces_per_s"] = Round(faceCount / faceSeconds),
                ["face_image_size"] = portrait.Width,
                ["pipeline"] = options.Name,
                ["clip_frames"] = clip.Frames.Count,
                ["clips_per_s"] = Round(clipCount / wall.TotalSeconds),
                ["managed_overhead_fraction"] = Round((wall - native) / wall),
                // The part of that overhead spent reading and writing the feature cache's files.
                ["cache_store_fraction"] = Round(store / wall),
            };
            if (asJson)
                Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            else
                foreach (var (key, value) in result)
                    Console.WriteLine($"{key,-32} {value}");
            return 0;
        }
        finally
        {
            if (Directory.Exists(work))
                Directory.Delete(work, recursive: true);
        }
    }

    private static FeatureCacheStats RunClip(PipelineOptions options, FaceModel faces, Clip clip, string cacheDirectory)
    {
        var preprocessor = new Preprocessor(options, FeatureCache.OnDisk(cacheDirectory), faces);
        var features = preprocessor.Plan(clip);
        foreach (var output in features.Outputs.Keys)
            features.Compute(output);
        return preprocessor.Cache.Stats;
    }

    /// <summary>Seconds to run <paramref name="count"/> items on <paramref name="threads"/> threads.</summary>
    private static double TimeItems(int count, int threads, Action<int> item)
    {
        var started = Stopwatch.GetTimestamp();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, item);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static double Round(double value) => Math.Round(value, 3);
}

using System.CommandLine;
using MerCluster.Core;
using MerCluster.Core.Configuration;
using MerCluster.Datasets;
using MerCluster.Orchestration.Features;
using MerCluster.Pipeline;
using MerCluster.Pipeline.Cache;
using MerCluster.Pipeline.Clips;
using MerCluster.Vision;
using Spectre.Console;

namespace MerCluster.Cli.Commands;

/// <summary>
/// `mer preprocess`: runs a pipeline over one clip (--frames, --onset, --apex) or a list of clips (--clips), through the
/// feature cache, and writes each clip's outputs (.npy) and PNG previews. A clip that fails is reported with the file at
/// fault and the others go on; the exit code is 1 when any clip failed, 2 for a bad command line or pipeline file.
/// With dataset roots (--casme2, --samm, --smic, or --ckplus) it builds their feature set instead, the directory
/// `mer train` reads, as a sweep does for its dataset (a sample that fails is left out and listed).
/// </summary>
internal static class PreprocessCommand
{
    public static Command Create()
    {
        var frames = new Option<DirectoryInfo>("--frames") { Description = "Folder of one clip's numbered frames (img46.jpg, 006_05562.jpg...)." };
        var onset = new Option<int?>("--onset") { Description = "Onset frame number, as in the file names and coding sheets." };
        var apex = new Option<int?>("--apex") { Description = "Apex frame number." };
        var offset = new Option<int?>("--offset") { Description = "Offset frame number (default: the last frame)." };
        var clips = new Option<FileInfo>("--clips") { Description = "CSV of clips: frames_dir,onset,apex[,offset] (folders relative to the CSV)." };
        var pipeline = new Option<string>("--pipeline")
        {
            Description = "Pipeline name in configs/pipelines (ststnet, mjfn, msmmt, frl-dgt, mfvan, mobilevit-svm, quick) or a YAML file.",
            DefaultValueFactory = _ => "ststnet",
        };
        var cache = new Option<DirectoryInfo>("--cache") { Description = "Feature cache folder (default: .mer/cache in the checkout)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where each clip's outputs and previews go (default: .mer/preprocess in the checkout)." };
        var demo = new Option<bool>("--demo") { Description = "Preprocess a clip made from the astronaut portrait (its frames are written under --out)." };
        var (casme2, samm, smic) = DatasetsCommand.RootOptions();
        var ckplus = DatasetsCommand.CkPlusOption();
        foreach (var root in new[] { casme2, samm, smic, ckplus })
            root.Description += " Builds the feature set of the roots given (every sample the class set keeps); --out then receives a copy of it.";
        var classSet = DatasetsCommand.ClassSetOption();
        var command = new Command("preprocess", "Compute a pipeline's features for clips (cached) and write PNG previews, or a dataset's feature set.")
        {
            frames, onset, apex, offset, clips, demo, casme2, samm, smic, ckplus, classSet, pipeline, cache, output,
        };
        cache.Description += " With dataset roots: the cache root, as a sweep's (features/ and featuresets/ below it).";
        command.Validators.Add(result =>
        {
            var single = result.GetValue(frames) is not null;
            var list = result.GetValue(clips) is not null;
            var dataset = new[] { casme2, samm, smic, ckplus }.Any(o => result.GetValue(o) is not null);
            if ((single ? 1 : 0) + (list ? 1 : 0) + (result.GetValue(demo) ? 1 : 0) + (dataset ? 1 : 0) != 1)
                result.AddError("give one of: --frames with --onset and --apex, --clips FILE.csv, --demo, or dataset roots (--casme2, --samm, --smic, --ckplus)");
            else if (!dataset && result.GetValue(classSet) is not null)
                result.AddError("--class-set applies to dataset roots (--casme2, --samm, --smic, --ckplus)");
            else if (single && (result.GetValue(onset) is null || result.GetValue(apex) is null))
                result.AddError("--frames needs --onset and --apex");
        });
        command.SetAction(parse =>
        {
            var home = RepositoryPaths.FindRoot() ?? Environment.CurrentDirectory;
            var roots = new Roots(parse.GetValue(casme2), parse.GetValue(samm), parse.GetValue(smic), parse.GetValue(ckplus));
            if (roots.Any)
                return RunDataset(roots, parse.GetValue(classSet), parse.GetValue(pipeline)!,
                    parse.GetValue(cache)?.FullName ?? Path.Combine(home, ".mer", "cache"), parse.GetValue(output)?.FullName);
            var request = new Request(
                parse.GetValue(frames), parse.GetValue(onset), parse.GetValue(apex), parse.GetValue(offset), parse.GetValue(clips), parse.GetValue(demo),
                parse.GetValue(pipeline)!,
                parse.GetValue(cache)?.FullName ?? Path.Combine(home, ".mer", "cache"),
                parse.GetValue(output)?.FullName ?? Path.Combine(home, ".mer", "preprocess"));
            return Run(request);
        });
        return command;
    }

    private sealed record Roots(string? Casme2, string? Samm, string? Smic, string? CkPlus)
    {
        public bool Any => Casme2 is not null || Samm is not null || Smic is not null || CkPlus is not null;

        /// <summary>The roots as `mer datasets inspect` takes them (to see why samples were left out).</summary>
        public string Arguments => string.Join(" ", new[] { ("--casme2", Casme2), ("--samm", Samm), ("--smic", Smic), ("--ckplus", CkPlus) }
            .Where(r => r.Item2 is not null).Select(r => $"{r.Item1} {r.Item2}"));
    }

    private sealed record Request(DirectoryInfo? Frames, int? Onset, int? Apex, int? Offset, FileInfo? Clips, bool Demo, string Pipeline, string Cache, string Out);

    private static int Run(Request request)
    {
        PipelineOptions options;
        IReadOnlyList<ClipJob> jobs;
        try
        {
            options = PipelineOptions.Load(request.Pipeline);
            jobs = Jobs(request);
        }
        catch (Exception e) when (e is ConfigException or FormatException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }

        FaceModel faces;
        try
        {
            VisionCore.SetThreads(options.Threads);
            faces = FaceModel.Load();
        }
        catch (Exception e) when (e is VisionException or DllNotFoundException or FileNotFoundException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }

        using var _ = faces;
        var preprocessor = new Preprocessor(options, FeatureCache.OnDisk(request.Cache), faces);
        IReadOnlyList<ClipOutcome> outcomes = [];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(progress =>
            {
                var tasks = jobs.ToDictionary(job => job, job => progress.AddTask(Markup.Escape(job.Name), maxValue: options.Outputs.Count + 1));
                outcomes = ClipExport.Run(preprocessor, jobs, request.Out, (job, step, done, total) =>
                {
                    var task = tasks[job];
                    task.Description = $"{Markup.Escape(job.Name)}: {step}";
                    (task.MaxValue, task.Value) = (total, done);
                });
                foreach (var (job, outcome) in jobs.Zip(outcomes))
                {
                    tasks[job].Description = outcome.Error is null ? $"[green]{Markup.Escape(job.Name)}[/]" : $"[red]{Markup.Escape(job.Name)}[/]";
                    tasks[job].Value = tasks[job].MaxValue;
                }
            });

        foreach (var outcome in outcomes)
        {
            if (outcome.Error is null)
                AnsiConsole.MarkupLineInterpolated($"[green]ok[/]     {outcome.Name} -> {outcome.Folder}");
            else
                AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {outcome.Error.Message}");
        }
        var stats = preprocessor.Cache.Stats;
        AnsiConsole.MarkupLineInterpolated($"pipeline {options.Name}: {outcomes.Count(o => o.Error is null)}/{outcomes.Count} clips; cache {request.Cache}: {stats.Hits} hits, {stats.Misses} computed, {stats.Corrupt} corrupt files recomputed");
        return outcomes.All(o => o.Error is null) ? 0 : 1;
    }

    /// <summary>The databases under <paramref name="roots"/> as one feature set in the cache, copied to <paramref name="copyTo"/> when given.</summary>
    private static int RunDataset(Roots roots, string? classSetName, string pipelineName, string cacheRoot, string? copyTo)
    {
        PipelineOptions options;
        try
        {
            options = PipelineOptions.Load(pipelineName);
        }
        catch (Exception e) when (e is ConfigException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        DatasetFeatures.Outcome outcome;
        try
        {
            var (manifest, _) = DatasetsCommand.Load(roots.Smic, roots.Casme2, roots.Samm, classSetName, roots.CkPlus);
            AnsiConsole.MarkupLineInterpolated(
                $"{manifest.ClassSet}: {manifest.Samples.Count} samples of {manifest.Samples.Select(s => s.Subject).Distinct().Count()} subjects, {manifest.Excluded.Count} left out (mer datasets inspect {roots.Arguments} lists why)");
            if (manifest.Samples.Count == 0)
                throw new DatasetException($"{roots.Arguments}: no sample has a class under {manifest.ClassSet}");
            VisionCore.SetThreads(options.Threads);
            outcome = AnsiConsole.Progress().Start(progress =>
            {
                var task = progress.AddTask($"pipeline {options.Name}", maxValue: manifest.Samples.Count);
                return DatasetFeatures.Ensure(manifest, options, SiloArtifacts.InFolder(cacheRoot), (done, _) => task.Value = done);
            });
        }
        catch (Exception e) when (e is DatasetException or ConfigException or VisionException or IOException or InvalidDataException or DllNotFoundException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }
        foreach (var skipped in outcome.Skipped)
            AnsiConsole.MarkupLineInterpolated($"[yellow]left out[/] {skipped}");
        var directory = outcome.Reference;
        if (copyTo is not null)
        {
            Directory.CreateDirectory(copyTo);
            foreach (var file in Directory.EnumerateFiles(outcome.Reference).Where(f => !f.EndsWith(".sha256", StringComparison.Ordinal)))
                File.Copy(file, Path.Combine(copyTo, Path.GetFileName(file)), overwrite: true);
            directory = copyTo;
        }
        AnsiConsole.MarkupLineInterpolated($"feature set {directory} ({(outcome.Built ? "built" : "found in the cache")})");
        return 0;
    }

    private static IReadOnlyList<ClipJob> Jobs(Request request)
    {
        if (request.Demo)
        {
            // Six frames of the portrait moving 0.5 px per frame to the right: onset 1, apex 4.
            var folder = Path.Combine(request.Out, "astronaut-frames");
            return [new ClipJob("astronaut", () => TranslatedClip.Write(Image.Read(RepositoryPaths.AstronautPortrait, ImageColor.Bgr), folder, 6, 0.5f, 1, 4, folder))];
        }
        if (request.Frames is { } frames)
            return [new ClipJob(frames.Name, () => FrameFolder.Load(frames.FullName, request.Onset!.Value, request.Apex!.Value, request.Offset, frames.FullName))];
        var entries = ClipList.Read(request.Clips!.FullName);
        var used = new HashSet<string>();
        return entries.Select(entry =>
        {
            // Output folders are named after the clip's folder; a repeated name (sub01/EP02 and sub02/EP02) gets its CSV line.
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(entry.FramesDirectory));
            if (!used.Add(name))
                name = $"{name}_line{entry.Line}";
            return new ClipJob(name, () => FrameFolder.Load(entry.FramesDirectory, entry.Onset, entry.Apex, entry.Offset, $"{request.Clips.FullName}:{entry.Line} ({entry.FramesDirectory})"));
        }).ToList();
    }
}

using MerCluster.Core.Arrays;
using MerCluster.Pipeline.Clips;
using MerCluster.Vision;

namespace MerCluster.Pipeline;

/// <summary>A clip to preprocess: its name (also its output folder) and how to list its frames.</summary>
public sealed record ClipJob(string Name, Func<Clip> Load);

/// <summary>What became of one clip: the folder its outputs went to, or the error that stopped it.</summary>
public sealed record ClipOutcome(string Name, string? Folder, PreprocessingException? Error);

/// <summary>
/// Preprocesses clips one after another into <c>OUT/NAME/</c>: each output as NAME.npy ([C, H, W] float32, the
/// cached value) and the PNG previews under previews/. A clip that fails (missing frame, unreadable image, no face,
/// frames of different sizes) is reported with its error and the next clip goes on.
/// </summary>
public static class ClipExport
{
    /// <summary>Called before each output of a clip is computed (step = output key or "previews").</summary>
    public delegate void StepStarted(ClipJob job, string step, int done, int total);

    public static IReadOnlyList<ClipOutcome> Run(Preprocessor preprocessor, IReadOnlyList<ClipJob> jobs, string outRoot, StepStarted? progress = null)
    {
        var outcomes = new List<ClipOutcome>();
        foreach (var job in jobs)
        {
            try
            {
                outcomes.Add(new ClipOutcome(job.Name, Write(preprocessor, job, outRoot, progress), null));
            }
            catch (PreprocessingException e)
            {
                outcomes.Add(new ClipOutcome(job.Name, null, e));
            }
        }
        return outcomes;
    }

    private static string Write(Preprocessor preprocessor, ClipJob job, string outRoot, StepStarted? progress)
    {
        Clip clip;
        try
        {
            clip = job.Load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or VisionException)
        {
            throw new PreprocessingException(job.Name, e.Message, e);
        }
        var features = preprocessor.Plan(clip);
        var folder = Path.Combine(outRoot, job.Name);
        var total = features.Outputs.Count + 1;
        var done = 0;
        foreach (var output in features.Outputs.Keys)
        {
            progress?.Invoke(job, output.Key(), done++, total);
            var value = features.Compute(output);
            features.Guard(() =>
            {
                Directory.CreateDirectory(folder);
                Npy.Write(Path.Combine(folder, output.Key() + ".npy"), value);
                return 0;
            });
        }
        progress?.Invoke(job, "previews", done, total);
        Previews.Write(features, Path.Combine(folder, "previews"));
        return folder;
    }
}

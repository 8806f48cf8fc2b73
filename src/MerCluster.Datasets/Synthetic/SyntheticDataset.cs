using System.Collections.Concurrent;
using MerCluster.Core;
using MerCluster.Datasets.Loaders;
using MerCluster.Vision;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Writes synthetic CASME II, SAMM and SMIC-HS trees in the official layouts (out/CASME2, out/SAMM, out/SMIC) with their
/// coding sheets, from the astronaut portrait: one identity per subject, one neutral -> apex -> neutral clip per plan
/// entry. In macro mode, a CK+ tree (out/CK+: cohn-kanade-images/ with grayscale neutral -> peak sequences, Emotion/ with the
/// labelled sequences' emotion files). The same seed gives the same bytes.
/// </summary>
public static class SyntheticDataset
{
    /// <summary>Side of every synthetic frame, in pixels.</summary>
    public const int FrameSize = FaceTemplate.Size;

    /// <summary>Writes the trees under <paramref name="outputDirectory"/>; <paramref name="clipDone"/> is called after each clip (from worker threads).</summary>
    public static SynthPlan Write(string outputDirectory, SynthOptions options, Action? clipDone = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        var plan = SynthPlan.Create(options.Scale, options.Seed, options.Defects, options.Mode, options.Difficulty);
        string Root(string database) => Path.Combine(outputDirectory, SynthPlan.FolderOf(database));
        var databases = SynthPlan.DatabasesOf(options.Mode);
        // Clips left by an earlier run would be read as part of this one.
        foreach (var database in databases)
            if (Directory.Exists(Root(database)) && Directory.EnumerateFileSystemEntries(Root(database)).Any())
                throw new DatasetException($"{Path.GetFullPath(Root(database))} is not empty: write synthetic data into a new folder");
        foreach (var database in databases)
            Directory.CreateDirectory(Root(database));
        if (options.Mode == SynthMode.Micro)
        {
            CodingSheetWriter.WriteCasme2(Path.Combine(Root(DatabaseIds.Casme2), Casme2Loader.SheetFile), SheetRows(plan, DatabaseIds.Casme2));
            CodingSheetWriter.WriteSamm(Path.Combine(Root(DatabaseIds.Samm), SammLoader.SheetFile), SheetRows(plan, DatabaseIds.Samm));
        }

        var faces = options.Pixels ? Faces(plan, options) : null;
        Parallel.ForEach(plan.Clips, new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, clip =>
        {
            if (clip.HasFolder)
            {
                var directory = Path.Combine(Root(clip.Database), clip.Directory);
                Directory.CreateDirectory(directory);
                if (faces is null)
                    WriteEmptyFrames(clip, directory);
                else
                    WriteFrames(clip, faces[clip.Subject], directory, SeedStreams.For(options.Seed, clip.SampleId, 0));
            }
            if (clip.EmotionFile is { } emotionFile)
                WriteEmotionFile(Path.Combine(Root(clip.Database), emotionFile), clip.Emotion);
            clipDone?.Invoke();
        });
        return plan;
    }

    /// <summary>Each subject's face, checked to be found by the same detector the pipeline uses.</summary>
    private static ConcurrentDictionary<PlannedSubject, SubjectFace> Faces(SynthPlan plan, SynthOptions options)
    {
        using var model = FaceModel.Load();
        var template = FaceTemplate.FromPortrait(RepositoryPaths.AstronautPortrait, model);
        var faces = new ConcurrentDictionary<PlannedSubject, SubjectFace>();
        Parallel.ForEach(plan.Subjects, new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, subject =>
        {
            var face = SubjectFace.Create(template, SeedStreams.For(options.Seed, subject.Id, 0), options.Mode == SynthMode.Micro ? options.Difficulty : SynthDifficulty.Easy);
            model.Detect(face.Image, $"synthetic subject {subject.Id}");
            faces[subject] = face;
        });
        return faces;
    }

    private static void WriteFrames(PlannedClip clip, SubjectFace face, string directory, Random rng)
    {
        // CK+'s frames are 8-bit grayscale PNGs.
        var gray = clip.Database == DatabaseIds.CkPlus;
        foreach (var (frame, image) in ClipRenderer.Render(face, clip, rng))
            if (frame != clip.MissingFrame)
                (gray ? image.ToGray() : image).Write(Path.Combine(directory, clip.FrameFile(frame)));
    }

    private static void WriteEmotionFile(string path, string emotion)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, CkPlusLayout.EmotionText(emotion));
    }

    private static void WriteEmptyFrames(PlannedClip clip, string directory)
    {
        for (var frame = clip.Onset; frame <= clip.Offset; frame++)
            if (frame != clip.MissingFrame)
                File.WriteAllBytes(Path.Combine(directory, clip.FrameFile(frame)), []);
    }

    private static IEnumerable<SheetEntry> SheetRows(SynthPlan plan, string database) =>
        plan.Clips.Where(c => c.Database == database).Select(c => c.Sheet!);
}

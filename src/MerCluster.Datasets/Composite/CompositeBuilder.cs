using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Composite;

/// <summary>
/// Builds a labelled <see cref="Manifest"/> from loaded databases and a class set: clips whose emotion maps to a class
/// are kept (several samples per clip where the class set asks for its last frames); dropped emotions, emotions the set does not know and the protocol's named exclusions are listed in
/// <see cref="Manifest.Excluded"/> with the loaders' own exclusions, each with its reason.
/// </summary>
public static class CompositeBuilder
{
    /// <summary>Loads whichever database roots are given (official layouts; CK+ for macro-expression pretraining) and builds their manifest under <paramref name="classSet"/>.</summary>
    public static Manifest Load(ClassSet classSet, string? smic, string? casme2, string? samm, string? ckplus = null)
    {
        var scans = new List<DatabaseScan>();
        if (smic is not null)
            scans.Add(SmicLoader.Load(smic));
        if (casme2 is not null)
            scans.Add(Casme2Loader.Load(casme2));
        if (samm is not null)
            scans.Add(SammLoader.Load(samm));
        if (ckplus is not null)
            scans.Add(CkPlusLoader.Load(ckplus));
        if (scans.Count == 0)
            throw new DatasetException("no database root given: name at least one of CASME II, SAMM, SMIC-HS, CK+");
        return Build(classSet, scans);
    }

    public static Manifest Build(ClassSet classSet, IReadOnlyList<DatabaseScan> scans)
    {
        var samples = new List<ManifestSample>();
        var excluded = new List<ExcludedSample>();
        var roots = new Dictionary<string, string>();
        var officialExclusions = classSet.ExcludedSamples.ToDictionary(e => e.Sample, e => e.Reason);
        foreach (var scan in scans)
        {
            var labels = classSet.For(scan.Database)
                ?? throw new DatasetException($"class set {classSet.Name} does not cover database '{scan.Database}' (it covers {string.Join(", ", classSet.Databases.Select(d => d.Database))})");
            if (!roots.TryAdd(scan.Database, scan.Root))
                throw new DatasetException($"database '{scan.Database}' given twice ({roots[scan.Database]} and {scan.Root})");
            excluded.AddRange(scan.Excluded);
            foreach (var clip in scan.Clips)
            {
                var label = labels.ClassOf(clip.Emotion);
                if (label is null)
                    excluded.Add(new ExcludedSample(clip.Database, clip.SampleId, labels.IsDropped(clip.Emotion)
                        ? $"emotion '{clip.Emotion}' is dropped by {classSet.Name}"
                        : $"emotion '{clip.Emotion}' is not covered by {classSet.Name}"));
                else if (officialExclusions.TryGetValue(clip.SampleId, out var reason))
                    excluded.Add(new ExcludedSample(clip.Database, clip.SampleId, $"{classSet.Name}: {reason}"));
                else if (LastFrames(clip, labels.FramesPerSequence) is { } cut)
                    samples.AddRange(cut.Select(c => new ManifestSample(c, label)));
                else
                    excluded.Add(new ExcludedSample(clip.Database, clip.SampleId,
                        $"{classSet.Name} takes the last {labels.FramesPerSequence} frames of each sequence, but {Path.GetDirectoryName(clip.Frames[0])} holds only frames {clip.Onset}..{clip.Offset}"));
            }
        }
        var manifest = new Manifest
        {
            ClassSet = classSet.Name,
            Classes = classSet.Classes,
            Roots = roots,
            Samples = samples,
            Excluded = excluded,
        };
        manifest.Validate(classSet.Name);
        return manifest;
    }

    /// <summary>
    /// The samples <paramref name="clip"/> gives when each of its last <paramref name="count"/> frames is one (see
    /// <see cref="DatabaseLabels.FramesPerSequence"/>): the clip itself for 1, else the clip cut to end at each of those
    /// frames in order, named <c>{clip}/f{frame}</c>; null when it has fewer frames.
    /// </summary>
    private static IReadOnlyList<Clip>? LastFrames(Clip clip, int count)
    {
        if (count == 1)
            return [clip];
        if (clip.Offset - clip.Onset + 1 < count)
            return null;
        return Enumerable.Range(clip.Offset - count + 1, count).Select(frame => clip with
        {
            Name = $"{clip.Name}/f{frame}",
            Frames = clip.Frames.Take(frame - clip.Onset + 1).ToList(),
            Apex = frame,
            Offset = frame,
        }).ToList();
    }
}

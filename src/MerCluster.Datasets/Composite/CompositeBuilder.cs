using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Composite;

/// <summary>
/// Builds a labelled <see cref="Manifest"/> from loaded databases and a class set: clips whose emotion maps to a class
/// are kept; dropped emotions, emotions the set does not know and the protocol's named exclusions are listed in
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
                else
                    samples.Add(new ManifestSample(clip, label));
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
}

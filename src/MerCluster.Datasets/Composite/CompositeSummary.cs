using MerCluster.Core;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Composite;

/// <summary>Subjects and per-class sample counts of one part (a database) or of the whole manifest.</summary>
public sealed record PartCounts(string Name, int Subjects, int Samples, IReadOnlyDictionary<string, int> Classes, int Repaired, int Excluded);

/// <summary>A manifest's counts per part and overall, beside the class set's published counts where it has them.</summary>
public sealed record CompositeSummary(PartCounts Composite, IReadOnlyList<PartCounts> Parts, IReadOnlyList<OfficialCounts> Official)
{
    public static CompositeSummary Of(Manifest manifest, ClassSet classSet)
    {
        PartCounts Count(string name, IReadOnlyList<ManifestSample> samples, int excluded) => new(
            name,
            samples.Select(s => s.Subject).Distinct().Count(),
            samples.Count,
            manifest.Classes.ToDictionary(c => c, c => samples.Count(s => s.Label == c)),
            samples.Count(s => s.Clip.Flags.Count > 0),
            excluded);

        var parts = manifest.Roots.Keys
            .OrderBy(d => DatabaseIds.All.ToList().IndexOf(d))
            .Select(d => Count(d, manifest.Samples.Where(s => s.Database == d).ToList(), manifest.Excluded.Count(e => e.Database == d)))
            .ToList();
        return new CompositeSummary(Count("composite", manifest.Samples, manifest.Excluded.Count), parts, classSet.Official);
    }

    /// <summary>Where the counts differ from the published table, one sentence each (empty when they agree or nothing is published).</summary>
    public IReadOnlyList<string> Mismatches()
    {
        var result = new List<string>();
        foreach (var official in Official)
        {
            var part = Parts.FirstOrDefault(p => p.Name == official.Database);
            if (part is null)
            {
                result.Add($"{official.Database}: not loaded (official: {official.Subjects} subjects, {official.Samples} samples)");
                continue;
            }
            if (part.Subjects != official.Subjects)
                result.Add($"{official.Database}: {part.Subjects} subjects, official {official.Subjects}");
            foreach (var (name, count) in official.Classes)
                if (part.Classes.GetValueOrDefault(name) != count)
                    result.Add($"{official.Database}: {part.Classes.GetValueOrDefault(name)} {name}, official {count}");
        }
        return result;
    }
}

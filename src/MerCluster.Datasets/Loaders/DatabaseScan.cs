using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Loaders;

/// <summary>What a loader found in one database: the usable clips (repairs flagged on each) and every clip left out, with its reason.</summary>
public sealed record DatabaseScan(string Database, string Root, IReadOnlyList<Clip> Clips, IReadOnlyList<ExcludedSample> Excluded)
{
    /// <summary>Collects resolver outcomes, refusing a second row for a sample id already seen.</summary>
    internal sealed class Builder(string database, string root)
    {
        private readonly List<Clip> _clips = [];
        private readonly List<ExcludedSample> _excluded = [];
        private readonly HashSet<string> _seen = [];

        public void Add(ClipAnnotation annotation, string clipDirectory)
        {
            if (!_seen.Add(annotation.SampleId))
            {
                _excluded.Add(new ExcludedSample(database, annotation.SampleId, $"{annotation.Where}: a second row for the same clip"));
                return;
            }
            var (clip, excluded) = ClipResolver.Resolve(annotation, root, clipDirectory);
            if (clip is not null)
                _clips.Add(clip);
            if (excluded is not null)
                _excluded.Add(excluded);
        }

        public void Exclude(string sample, string reason) => _excluded.Add(new ExcludedSample(database, sample, reason));

        public DatabaseScan Build() => new(database, Path.GetFullPath(root), _clips, _excluded);
    }
}

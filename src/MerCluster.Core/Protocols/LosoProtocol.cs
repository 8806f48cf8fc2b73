using MerCluster.Core.Features;
using MerCluster.Core.Metrics;

namespace MerCluster.Core.Protocols;

/// <summary>
/// Leave-one-subject-out: one fold per subject of the covered databases; the subject's samples are the test set
/// once and every other covered sample trains. Subjects keep their database prefix (<c>samm/006</c>), so two
/// databases' "subject 6" are two folds. Folds are ordered by the options' database order, then by subject with
/// numbers compared as numbers (<c>smic/s2</c> before <c>smic/s10</c>), so a fold's index never depends on sample order.
/// </summary>
public sealed class LosoProtocol : IEvaluationProtocol
{
    private readonly Dictionary<string, (FeatureSample Sample, int Fold)> _bySampleId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fold> _byName = new(StringComparer.Ordinal);

    /// <param name="samples">All samples at hand (e.g. FeatureSet.Samples); those of other databases are left out.</param>
    public LosoProtocol(IReadOnlyList<FeatureSample> samples, ProtocolOptions options)
    {
        if (options.Name != ProtocolOptions.Loso)
            throw new ArgumentException($"protocol '{options.Name}' is not '{ProtocolOptions.Loso}'", nameof(options));
        if (options.Databases.Count == 0 || options.Databases.Distinct().Count() != options.Databases.Count)
            throw new ArgumentException($"protocol databases [{string.Join(", ", options.Databases)}] must be distinct and not empty", nameof(options));
        if (options.Classes.Count < 2 || options.Classes.Distinct().Count() != options.Classes.Count)
            throw new ArgumentException($"protocol classes [{string.Join(", ", options.Classes)}] must be at least two distinct names", nameof(options));
        var parts = options.Databases.ToArray();
        Classes = options.Classes.ToArray();
        Parts = parts;

        var rowsBySubject = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var covered = new List<int>();
        for (var row = 0; row < samples.Count; row++)
        {
            var s = samples[row];
            if (!parts.Contains(s.Database))
                continue;
            if (!s.Subject.StartsWith(s.Database + "/", StringComparison.Ordinal) || s.Subject.Length == s.Database.Length + 1)
                throw new ArgumentException($"sample {s.SampleId}: subject '{s.Subject}' does not carry its database prefix '{s.Database}/'");
            if (!Classes.Contains(s.Label))
                throw new ArgumentException($"sample {s.SampleId}: label '{s.Label}' is not one of the protocol's classes [{string.Join(", ", Classes)}]");
            if (_bySampleId.ContainsKey(s.SampleId))
                throw new ArgumentException($"sample {s.SampleId} appears twice");
            _bySampleId[s.SampleId] = (s, -1);
            covered.Add(row);
            if (!rowsBySubject.TryGetValue(s.Subject, out var rows))
                rowsBySubject[s.Subject] = rows = [];
            rows.Add(row);
        }
        if (covered.Count == 0)
            throw new ArgumentException($"no sample belongs to the protocol's databases [{string.Join(", ", Parts)}]");
        Samples = covered.Select(r => samples[r]).ToArray();

        var subjects = rowsBySubject.Keys
            .OrderBy(subject => Array.IndexOf(parts, samples[rowsBySubject[subject][0]].Database))
            .ThenBy(subject => subject, NaturalOrder.Instance)
            .ToArray();
        var folds = new Fold[subjects.Length];
        for (var i = 0; i < subjects.Length; i++)
        {
            var test = rowsBySubject[subjects[i]];
            var testSet = test.ToHashSet();
            var database = samples[test[0]].Database;
            folds[i] = new Fold(i, subjects[i], database, covered.Where(r => !testSet.Contains(r)).ToArray(), test.ToArray());
            _byName[subjects[i]] = folds[i];
            foreach (var r in test)
                _bySampleId[samples[r].SampleId] = (samples[r], i);
        }
        Folds = folds;
    }

    public string Name => ProtocolOptions.Loso;

    public IReadOnlyList<string> Classes { get; }

    public IReadOnlyList<string> Parts { get; }

    public IReadOnlyList<Fold> Folds { get; }

    /// <summary>The samples the protocol covers, in the order they were given.</summary>
    public IReadOnlyList<FeatureSample> Samples { get; }

    /// <summary>LOSO over every database of <paramref name="features"/> (composite databases in their order, then others) with its classes: what `mer train --holdout` folds.</summary>
    public static LosoProtocol Over(FeatureSet features)
    {
        var present = features.Samples.Select(s => s.Database).Distinct().ToList();
        var databases = ProtocolOptions.CompositeDatabases.Where(present.Contains).Concat(present.Except(ProtocolOptions.CompositeDatabases)).ToList();
        return new LosoProtocol(features.Samples, new ProtocolOptions { Databases = databases, Classes = [.. features.Classes] });
    }

    public Fold Fold(string name) => _byName.TryGetValue(name, out var fold) ? fold
        : throw new ArgumentException($"no fold '{name}' in this LOSO protocol (subjects are named like '{Folds[0].Name}')", nameof(name));

    public ProtocolScore Score(IEnumerable<Prediction> predictions)
    {
        var all = predictions.ToList();
        var perFold = Folds.Select(_ => new List<Prediction>()).ToArray();
        foreach (var p in all)
        {
            if (!_bySampleId.TryGetValue(p.SampleId, out var entry))
                throw new ArgumentException($"sample {p.SampleId} is predicted but is not one of the protocol's samples");
            if (entry.Sample.Label != p.Label || entry.Sample.Subject != p.Subject || entry.Sample.Database != p.Database)
                throw new ArgumentException(
                    $"sample {p.SampleId}: prediction says {p.Database} {p.Subject} '{p.Label}', the protocol's sample is {entry.Sample.Database} {entry.Sample.Subject} '{entry.Sample.Label}'");
            perFold[entry.Fold].Add(p);
        }
        var pooled = PooledMetrics.Compute(all, Classes, Parts);
        var folds = Folds.Select(f => new FoldScore(f.Name, f.Database, ConfusionMatrix.From(perFold[f.Index], Classes).Scores)).ToArray();
        return new ProtocolScore(pooled, folds, Samples.Count - pooled.Overall.N);
    }
}

namespace MerCluster.Core.Metrics;

/// <summary>
/// Scores computed once over all predictions of a run (pooled over its folds, not averaged per fold: a single-subject
/// fold often lacks a class), for the whole set and for each database part.
/// </summary>
public sealed record PooledMetrics(ConfusionMatrix Overall, IReadOnlyDictionary<string, ConfusionMatrix> Parts)
{
    /// <summary>
    /// Pools <paramref name="predictions"/>. <paramref name="parts"/> fixes which databases are reported and in what
    /// order (a listed part without predictions is reported with n = 0); a prediction from another database is an
    /// error. Without it, the parts are the databases present, in order of first appearance. A sample predicted twice
    /// is an error naming it, so a re-delivered fold can never be counted twice.
    /// </summary>
    public static PooledMetrics Compute(IEnumerable<Prediction> predictions, IReadOnlyList<string> classes, IReadOnlyList<string>? parts = null)
    {
        var all = predictions.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in all)
            if (!seen.Add(p.SampleId))
                throw new ArgumentException($"sample {p.SampleId} is predicted more than once");

        var partNames = parts?.ToList() ?? all.Select(p => p.Database).Distinct(StringComparer.Ordinal).ToList();
        if (parts is not null)
            foreach (var p in all)
                if (!parts.Contains(p.Database))
                    throw new ArgumentException($"sample {p.SampleId}: database '{p.Database}' is not one of the parts [{string.Join(", ", parts)}]");

        var byPart = new OrderedDictionary<string, ConfusionMatrix>(StringComparer.Ordinal);
        foreach (var part in partNames)
            byPart[part] = ConfusionMatrix.From(all.Where(p => p.Database == part), classes);
        return new PooledMetrics(ConfusionMatrix.From(all, classes), byPart);
    }
}

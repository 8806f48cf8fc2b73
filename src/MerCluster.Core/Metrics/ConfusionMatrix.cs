namespace MerCluster.Core.Metrics;

/// <summary>
/// Counts of (true class, predicted class) over a set of predictions, and the scores the field reports from them.
/// <para>
/// UF1 = mean over classes of 2TP/(2TP+FP+FN); UAR = mean over classes of TP/N_c; Acc = sum TP / N.
/// Which classes enter a mean, when a subset lacks some: UF1 averages over the classes that occur in the subset's
/// true labels or predictions, as scikit-learn's <c>f1_score(average='macro')</c> does (the MEB toolkit scores
/// with it) and as the MEGC2019 baseline's <c>recognition_evaluation</c> does (STSTNet's public code: a class
/// absent from both truth and predictions is skipped, one that is only predicted scores F1 = 0). UAR averages
/// over the classes present in the true labels, which is scikit-learn's <c>balanced_accuracy_score</c>: recall of a
/// class with no true sample is 0/0 (the MEGC2019 code yields NaN there), so it is left out rather than counted as 0.
/// When every class has a true sample, as in every part of the composite, both equal the macro scores over all classes.
/// </para>
/// </summary>
public sealed class ConfusionMatrix
{
    /// <summary>Rows are true classes, columns predicted classes, both in <paramref name="classes"/> order.</summary>
    public ConfusionMatrix(IReadOnlyList<string> classes, int[][] counts)
    {
        if (classes.Count == 0)
            throw new ArgumentException("a confusion matrix needs at least one class", nameof(classes));
        if (classes.Distinct(StringComparer.Ordinal).Count() != classes.Count)
            throw new ArgumentException($"duplicate class in [{string.Join(", ", classes)}]", nameof(classes));
        if (counts.Length != classes.Count || counts.Any(row => row.Length != classes.Count))
            throw new ArgumentException($"counts must be {classes.Count}x{classes.Count} for classes [{string.Join(", ", classes)}]", nameof(counts));
        if (counts.Any(row => row.Any(c => c < 0)))
            throw new ArgumentException("counts must not be negative", nameof(counts));
        Classes = classes.ToArray();
        Counts = counts.Select(row => row.ToArray()).ToArray();
        PerClass = ScoreClasses();
        Scores = ScoreSubset();
    }

    /// <summary>Counts the predictions; a true or predicted label outside <paramref name="classes"/> is an error naming the sample.</summary>
    public static ConfusionMatrix From(IEnumerable<Prediction> predictions, IReadOnlyList<string> classes)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < classes.Count; i++)
            index.TryAdd(classes[i], i);
        var counts = classes.Select(_ => new int[classes.Count]).ToArray();
        foreach (var p in predictions)
        {
            if (!index.TryGetValue(p.Label, out var truth))
                throw new ArgumentException($"sample {p.SampleId}: label '{p.Label}' is not one of [{string.Join(", ", classes)}]");
            if (!index.TryGetValue(p.Predicted, out var predicted))
                throw new ArgumentException($"sample {p.SampleId}: predicted '{p.Predicted}' is not one of [{string.Join(", ", classes)}]");
            counts[truth][predicted]++;
        }
        return new ConfusionMatrix(classes, counts);
    }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>Counts[true][predicted].</summary>
    public int[][] Counts { get; }

    public int N => Counts.Sum(row => row.Sum());

    public IReadOnlyList<ClassScore> PerClass { get; }

    public Scores Scores { get; }

    private ClassScore[] ScoreClasses()
    {
        var k = Classes.Count;
        var scores = new ClassScore[k];
        for (var c = 0; c < k; c++)
        {
            var tp = Counts[c][c];
            var support = Counts[c].Sum();
            var predicted = Enumerable.Range(0, k).Sum(r => Counts[r][c]);
            var fp = predicted - tp;
            var fn = support - tp;
            double? f1 = support + predicted == 0 ? null : 2.0 * tp / (2.0 * tp + fp + fn);
            double? recall = support == 0 ? null : (double)tp / support;
            scores[c] = new ClassScore(Classes[c], tp, fp, fn, support, f1, recall);
        }
        return scores;
    }

    private Scores ScoreSubset()
    {
        var n = N;
        if (n == 0)
            return Scores.Empty;
        var f1s = PerClass.Where(c => c.F1.HasValue).Select(c => c.F1!.Value).ToArray();
        var recalls = PerClass.Where(c => c.Recall.HasValue).Select(c => c.Recall!.Value).ToArray();
        var correct = PerClass.Sum(c => c.Tp);
        return new Scores(f1s.Average(), recalls.Average(), (double)correct / n, n);
    }
}

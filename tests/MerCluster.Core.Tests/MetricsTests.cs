using MerCluster.Core.Metrics;

namespace MerCluster.Core.Tests;

public class MetricsTests
{
    private static readonly string[] Classes = ["negative", "positive", "surprise"];

    private static Prediction P(string db, string subject, int clip, string label, string predicted) =>
        new($"{db}/{subject}/c{clip}", $"{db}/{subject}", db, label, predicted);

    /// <summary>
    /// 10 predictions, by hand (rows true, columns predicted; neg, pos, sur):
    ///   neg: 3 1 0   pos: 1 2 0   sur: 1 0 2
    /// neg TP 3 FP 2 FN 1 -> F1 6/9; pos TP 2 FP 1 FN 1 -> 4/6; sur TP 2 FP 0 FN 1 -> 4/5.
    /// UF1 = (2/3 + 2/3 + 4/5)/3 = 32/45; UAR = (3/4 + 2/3 + 2/3)/3 = 25/36; Acc = 7/10.
    /// </summary>
    public static readonly Prediction[] HandExample =
    [
        P("smic", "s1", 1, "negative", "negative"),
        P("smic", "s1", 2, "negative", "negative"),
        P("smic", "s2", 3, "positive", "positive"),
        P("smic", "s2", 4, "surprise", "negative"),
        P("casme2", "sub01", 5, "negative", "negative"),
        P("casme2", "sub01", 6, "negative", "positive"),
        P("casme2", "sub02", 7, "positive", "negative"),
        P("samm", "006", 8, "positive", "positive"),
        P("samm", "006", 9, "surprise", "surprise"),
        P("samm", "007", 10, "surprise", "surprise"),
    ];

    [Fact]
    public void Pooled_metrics_equal_the_hand_computed_example()
    {
        var m = ConfusionMatrix.From(HandExample, Classes);

        Assert.Equal([[3, 1, 0], [1, 2, 0], [1, 0, 2]], m.Counts);
        Assert.Equal(new ClassScore("negative", 3, 2, 1, 4, 6.0 / 9, 3.0 / 4), m.PerClass[0]);
        Assert.Equal(new ClassScore("positive", 2, 1, 1, 3, 4.0 / 6, 2.0 / 3), m.PerClass[1]);
        Assert.Equal(new ClassScore("surprise", 2, 0, 1, 3, 4.0 / 5, 2.0 / 3), m.PerClass[2]);
        Assert.Equal(32.0 / 45, m.Scores.Uf1!.Value, 12);
        Assert.Equal(25.0 / 36, m.Scores.Uar!.Value, 12);
        Assert.Equal(0.7, m.Scores.Acc!.Value, 12);
        Assert.Equal(10, m.Scores.N);
    }

    [Fact]
    public void Parts_split_the_predictions_by_database_in_the_order_given()
    {
        var pooled = PooledMetrics.Compute(HandExample, Classes, ["smic", "casme2", "samm"]);

        Assert.Equal(["smic", "casme2", "samm"], pooled.Parts.Keys);
        Assert.Equal([4, 3, 3], pooled.Parts.Values.Select(m => m.N));
        // smic: neg 2/2, pos 1/1, sur 0/1 (predicted negative). neg F1 = 4/5, pos 1, sur 0.
        var smic = pooled.Parts["smic"].Scores;
        Assert.Equal((0.8 + 1 + 0) / 3, smic.Uf1!.Value, 12);
        Assert.Equal((1 + 1 + 0) / 3.0, smic.Uar!.Value, 12);
        Assert.Equal(0.75, smic.Acc!.Value, 12);
        // samm: pos 1/1, sur 2/2, no negative anywhere: negative is left out of both means.
        var samm = pooled.Parts["samm"].Scores;
        Assert.Equal(1.0, samm.Uf1!.Value, 12);
        Assert.Equal(1.0, samm.Uar!.Value, 12);
        // The overall matrix is the sum of the parts' matrices.
        var summed = Enumerable.Range(0, 3).Select(r => Enumerable.Range(0, 3)
            .Select(c => pooled.Parts.Values.Sum(m => m.Counts[r][c])).ToArray()).ToArray();
        Assert.Equal(pooled.Overall.Counts, summed);
    }

    [Fact]
    public void A_class_absent_from_a_subset_is_reported_with_n_0_and_left_out_of_the_means()
    {
        // casme2 here: negative 1 right 1 wrong (as positive), positive 1 wrong (as negative); no surprise at all.
        var casme2 = ConfusionMatrix.From(HandExample.Where(p => p.Database == "casme2"), Classes);

        var surprise = casme2.PerClass[2];
        Assert.Equal(new ClassScore("surprise", 0, 0, 0, 0, null, null), surprise);
        Assert.Equal((2.0 / 4 + 0) / 2, casme2.Scores.Uf1!.Value, 12);
        Assert.Equal((0.5 + 0) / 2, casme2.Scores.Uar!.Value, 12);
    }

    [Fact]
    public void A_class_only_predicted_counts_in_UF1_with_F1_0_but_not_in_UAR()
    {
        // No true surprise, yet one sample is predicted surprise: its F1 is 0 (all false positives), its recall undefined.
        Prediction[] predictions =
        [
            P("smic", "s1", 1, "negative", "negative"),
            P("smic", "s1", 2, "negative", "surprise"),
            P("smic", "s1", 3, "positive", "positive"),
        ];
        var m = ConfusionMatrix.From(predictions, Classes);

        Assert.Equal(new ClassScore("surprise", 0, 1, 0, 0, 0.0, null), m.PerClass[2]);
        Assert.Equal((2.0 / 3 + 1 + 0) / 3, m.Scores.Uf1!.Value, 12);
        Assert.Equal((0.5 + 1) / 2, m.Scores.Uar!.Value, 12);
    }

    [Fact]
    public void An_empty_subset_has_n_0_and_no_scores_rather_than_zeros()
    {
        var pooled = PooledMetrics.Compute(HandExample.Where(p => p.Database != "samm"), Classes, ["smic", "casme2", "samm"]);

        Assert.Equal(Scores.Empty, pooled.Parts["samm"].Scores);
        Assert.Equal([0, 0, 0], pooled.Parts["samm"].PerClass.Select(c => c.N));
    }

    [Fact]
    public void Pooled_scores_differ_from_the_mean_of_per_fold_scores()
    {
        // A model that calls everything negative, over two single-subject folds: fold A has only negatives, so it
        // scores UF1 1; fold B's one positive gives UF1 0. Averaging folds says 0.5; pooling counts the samples.
        Prediction[] foldA = [P("samm", "006", 1, "negative", "negative"), P("samm", "006", 2, "negative", "negative")];
        Prediction[] foldB = [P("samm", "007", 3, "positive", "negative")];
        var perFoldMean = (ConfusionMatrix.From(foldA, Classes).Scores.Uf1!.Value + ConfusionMatrix.From(foldB, Classes).Scores.Uf1!.Value) / 2;
        var pooled = ConfusionMatrix.From(foldA.Concat(foldB), Classes).Scores.Uf1!.Value;

        Assert.Equal(0.5, perFoldMean, 12);       // (1 + 0) / 2
        Assert.Equal((0.8 + 0) / 2, pooled, 12);  // negative TP 2 FP 1 -> 4/5; positive 0
        Assert.NotEqual(perFoldMean, pooled, 6);
    }

    [Fact]
    public void A_sample_predicted_twice_is_an_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => PooledMetrics.Compute([.. HandExample, HandExample[3]], Classes));
        Assert.Contains("smic/s2/c4", e.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_is_an_error_naming_the_sample()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.From([P("samm", "006", 1, "negative", "angry")], Classes));
        Assert.Contains("samm/006/c1", e.Message);
        Assert.Contains("angry", e.Message);
    }

    [Fact]
    public void A_prediction_from_a_database_outside_the_parts_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => PooledMetrics.Compute(HandExample, Classes, ["smic", "casme2"]));
        Assert.Contains("samm/006/c8", e.Message);
    }
}

using MerCluster.Core.Configuration;
using MerCluster.Core.Features;
using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;

namespace MerCluster.Core.Tests;

public class ProtocolTests
{
    private static FeatureSample S(string subject, string clip, string label) =>
        new($"{subject}/{clip}", subject, subject.Split('/')[0], label);

    /// <summary>Out of order on purpose; two databases share a subject "6"-like number.</summary>
    private static readonly FeatureSample[] Samples =
    [
        S("samm/006", "006_1_2", "negative"),      // row 0
        S("smic/s10", "s10_po_01", "positive"),    // row 1
        S("casme2/sub01", "EP02_01f", "positive"), // row 2
        S("smic/s2", "s2_ne_01", "negative"),      // row 3
        S("samm/006", "006_1_3", "surprise"),      // row 4
        S("smic/s2", "s2_sur_01", "surprise"),     // row 5
        S("casme2/sub06", "EP01_01", "negative"),  // row 6
        S("samm/007", "007_1_1", "positive"),      // row 7
    ];

    private static Prediction Predict(FeatureSample s, string predicted) => new(s.SampleId, s.Subject, s.Database, s.Label, predicted);

    [Fact]
    public void Composite_LOSO_has_one_fold_per_subject_in_database_then_natural_subject_order()
    {
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);

        Assert.Equal(["smic/s2", "smic/s10", "casme2/sub01", "casme2/sub06", "samm/006", "samm/007"], loso.Folds.Select(f => f.Name));
        Assert.Equal(Enumerable.Range(0, 6), loso.Folds.Select(f => f.Index));
        Assert.Equal(["negative", "positive", "surprise"], loso.Classes);
        Assert.Equal(["smic", "casme2", "samm"], loso.Parts);
    }

    [Fact]
    public void The_MEGC2019_composite_of_16_24_and_28_subjects_has_68_folds()
    {
        var samples = new List<FeatureSample>();
        foreach (var (db, folder, count) in new[] { ("samm", "{0:000}", 28), ("casme2", "sub{0:00}", 24), ("smic", "s{0}", 16) })
            for (var i = 1; i <= count; i++)
                samples.Add(S($"{db}/{string.Format(folder, i)}", "clip", ProtocolOptions.CompositeClasses[i % 3]));

        var loso = new LosoProtocol(samples, ProtocolOptions.Composite);

        Assert.Equal(68, loso.Folds.Count);
        Assert.Equal(["smic/s1", "smic/s2"], loso.Folds.Take(2).Select(f => f.Name));
        Assert.Equal("casme2/sub01", loso.Folds[16].Name);
        Assert.Equal("samm/028", loso.Folds[67].Name);
        Assert.All(loso.Folds, f => Assert.Equal(67, f.TrainRows.Count));
    }

    [Fact]
    public void Each_fold_tests_its_subject_and_trains_on_every_other_sample()
    {
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);

        var samm006 = loso.Fold("samm/006");
        Assert.Equal("samm", samm006.Database);
        Assert.Equal([0, 4], samm006.TestRows);
        Assert.Equal([1, 2, 3, 5, 6, 7], samm006.TrainRows);
        foreach (var fold in loso.Folds)
        {
            Assert.Empty(fold.TrainRows.Intersect(fold.TestRows));
            Assert.Equal(Enumerable.Range(0, Samples.Length), fold.TrainRows.Concat(fold.TestRows).Order());
            Assert.All(fold.TestRows, r => Assert.Equal(fold.Name, Samples[r].Subject));
        }
        Assert.Equal(Enumerable.Range(0, Samples.Length), loso.Folds.SelectMany(f => f.TestRows).Order());
    }

    [Fact]
    public void Single_database_LOSO_is_the_same_protocol_configured_with_one_database_and_its_classes()
    {
        FeatureSample[] casme2 =
        [
            S("casme2/sub01", "EP02_01f", "happiness"), S("casme2/sub01", "EP03_02", "repression"),
            S("casme2/sub02", "EP01_11f", "disgust"), S("smic/s1", "s1_po_01", "positive"),
        ];
        var protocol = EvaluationProtocols.Create(
            ProtocolOptions.SingleDatabase("casme2", ["disgust", "happiness", "others", "repression", "surprise"]), casme2);

        Assert.IsType<LosoProtocol>(protocol);
        Assert.Equal(["casme2/sub01", "casme2/sub02"], protocol.Folds.Select(f => f.Name));
        Assert.Equal([2], protocol.Fold("casme2/sub01").TrainRows);
        Assert.Equal(["casme2"], protocol.Parts);
        Assert.Equal(5, protocol.Classes.Count);
    }

    [Fact]
    public void Protocol_options_bind_from_a_sweeps_protocol_section_and_default_to_the_composite()
    {
        var single = YamlOptions.Bind<ProtocolOptions>(
            YamlOptions.ParseMapping("name: loso\ndatabases: [casme2]\nclasses: [disgust, happiness]\n", "sweep.yaml"), "sweep.yaml", "protocol");
        var composite = YamlOptions.Bind<ProtocolOptions>(YamlOptions.ParseMapping("{}", "sweep.yaml"), "sweep.yaml", "protocol");

        Assert.Equal(["casme2"], single.Databases);
        Assert.Equal(["disgust", "happiness"], single.Classes);
        Assert.Equal(["smic", "casme2", "samm"], composite.Databases);
        Assert.Equal(["negative", "positive", "surprise"], composite.Classes);
        var e = Assert.Throws<ConfigException>(() => YamlOptions.Bind<ProtocolOptions>(
            YamlOptions.ParseMapping("databases: []\n", "sweep.yaml"), "sweep.yaml", "protocol"));
        Assert.Contains("protocol.databases", e.Message);
    }

    [Fact]
    public void An_unknown_protocol_name_is_an_error_listing_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => EvaluationProtocols.Create(new ProtocolOptions { Name = "cdmer" }, Samples));
        Assert.Contains("cdmer", e.Message);
        Assert.Contains("loso", e.Message);
    }

    [Fact]
    public void Score_pools_all_folds_per_part_and_keeps_per_fold_scores()
    {
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);
        // Everything right except samm/006's surprise, called negative.
        var predictions = Samples.Select(s => Predict(s, s.SampleId == "samm/006/006_1_3" ? "negative" : s.Label)).ToArray();

        var score = loso.Score(predictions);

        Assert.Equal(0, score.MissingSamples);
        Assert.Equal(8, score.Overall.N);
        Assert.Equal(7.0 / 8, score.Overall.Scores.Acc!.Value, 12);
        Assert.Equal(1.0, score.Parts["smic"].Scores.Uf1!.Value, 12);
        Assert.Equal(1.0, score.Parts["casme2"].Scores.Uf1!.Value, 12);
        // samm: negative TP 1 FP 1 -> 2/3; positive 1; surprise 0.
        Assert.Equal((2.0 / 3 + 1 + 0) / 3, score.Parts["samm"].Scores.Uf1!.Value, 12);
        Assert.Equal(6, score.Folds.Count);
        var fold = score.Folds.Single(f => f.Fold == "samm/006");
        Assert.Equal(2, fold.Scores.N);
        Assert.Equal(0.5, fold.Scores.Acc!.Value, 12);
        Assert.Equal(score.Overall.Counts, ConfusionMatrix.From(predictions, loso.Classes).Counts);
    }

    [Fact]
    public void Score_of_a_partial_run_counts_missing_samples_and_reports_empty_folds_and_parts()
    {
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);

        var score = loso.Score(Samples.Where(s => s.Database == "smic").Select(s => Predict(s, s.Label)));

        Assert.Equal(5, score.MissingSamples);
        Assert.Equal(Scores.Empty, score.Parts["samm"].Scores);
        Assert.Equal(Scores.Empty, score.Folds.Single(f => f.Fold == "casme2/sub01").Scores);
    }

    [Fact]
    public void Score_rejects_a_prediction_whose_label_disagrees_with_the_sample()
    {
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);
        var wrong = Predict(Samples[0], "negative") with { Label = "positive" };

        var e = Assert.Throws<ArgumentException>(() => loso.Score([wrong]));
        Assert.Contains("samm/006/006_1_2", e.Message);
    }

    [Fact]
    public void Score_rejects_a_sample_the_protocol_does_not_have()
    {
        var loso = new LosoProtocol(Samples, ProtocolOptions.Composite);

        var e = Assert.Throws<ArgumentException>(() => loso.Score([new Prediction("samm/099/x", "samm/099", "samm", "negative", "negative")]));
        Assert.Contains("samm/099/x", e.Message);
    }

    [Fact]
    public void A_sample_whose_label_is_not_a_protocol_class_is_an_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => new LosoProtocol([.. Samples, S("samm/008", "008_1_1", "fear")], ProtocolOptions.Composite));
        Assert.Contains("samm/008/008_1_1", e.Message);
        Assert.Contains("fear", e.Message);
    }

    [Fact]
    public void A_subject_without_its_database_prefix_is_an_error_naming_the_sample()
    {
        var e = Assert.Throws<ArgumentException>(() => new LosoProtocol([new FeatureSample("samm/6/x", "6", "samm", "negative")], ProtocolOptions.Composite));
        Assert.Contains("samm/6/x", e.Message);
    }

    [Fact]
    public void Asking_for_an_unknown_fold_names_it()
    {
        var e = Assert.Throws<ArgumentException>(() => new LosoProtocol(Samples, ProtocolOptions.Composite).Fold("casme2/sub99"));
        Assert.Contains("casme2/sub99", e.Message);
    }
}

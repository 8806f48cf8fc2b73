using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Manifests;
using MerCluster.Datasets.Synthetic;

namespace MerCluster.Datasets.Tests;

public sealed class SyntheticCompositeTests(FullTree full, FullTreeWithDefects withDefects, FullEasyTree easy)
    : IClassFixture<FullTree>, IClassFixture<FullTreeWithDefects>, IClassFixture<FullEasyTree>
{
    [Theory]
    [InlineData(false, SynthDifficulty.Hard)]
    [InlineData(true, SynthDifficulty.Hard)]
    [InlineData(false, SynthDifficulty.Easy)]
    public void The_full_scale_composite_has_the_official_subjects_and_per_part_class_counts(bool defects, SynthDifficulty difficulty)
    {
        var manifest = difficulty == SynthDifficulty.Easy ? easy.Manifest : defects ? withDefects.Manifest : full.Manifest;
        var summary = CompositeSummary.Of(manifest, ClassSet.Named(ClassSet.Megc2019));

        Assert.Equal(68, summary.Composite.Subjects);
        Assert.Equal(442, summary.Composite.Samples);
        Assert.Equal([250, 109, 83], manifest.Classes.Select(c => summary.Composite.Classes[c]));
        var parts = summary.Parts.ToDictionary(p => p.Name);
        Assert.Equal((16, 164, 70, 51, 43), Row(parts["smic"]));
        Assert.Equal((24, 145, 88, 32, 25), Row(parts["casme2"]));
        Assert.Equal((28, 133, 92, 26, 15), Row(parts["samm"]));
        Assert.Empty(summary.Mismatches());
    }

    private static (int, int, int, int, int) Row(PartCounts p) =>
        (p.Subjects, p.Samples, p.Classes["negative"], p.Classes["positive"], p.Classes["surprise"]);

    [Fact]
    public void The_full_scale_tree_holds_the_clips_the_mapping_drops_and_the_three_official_exclusions_each_with_a_reason()
    {
        var excluded = full.Manifest.Excluded;
        foreach (var official in new[] { "casme2/sub04/EP12_01f", "casme2/sub05/EP12_03f", "casme2/sub24/EP02_07" })
            Assert.Contains("not in the official MEGC2019 composite list", excluded.Single(e => e.Sample == official).Reason);
        foreach (var emotion in new[] { "others", "fear", "sadness" })
            Assert.Contains(excluded, e => e.Database == "casme2" && e.Reason == $"emotion '{emotion}' is dropped by megc2019-3class");
        Assert.Contains(excluded, e => e.Database == "samm" && e.Reason == "emotion 'Other' is dropped by megc2019-3class");
        Assert.Equal(12 + 2 + 4 + 3 + 12, excluded.Count);
    }

    [Fact]
    public void Every_planned_composite_clip_and_only_those_reach_the_manifest_and_nothing_is_silently_dropped()
    {
        var plan = withDefects.Plan;
        var manifest = withDefects.Manifest;
        Assert.Equal(plan.Clips.Where(c => c.Composite).Select(c => c.SampleId).Order(), manifest.Samples.Select(s => s.SampleId).Order());
        Assert.Equal(plan.Clips.Count, manifest.Samples.Count + manifest.Excluded.Count);
    }

    /// <summary>Feature sets are named by the manifest's hash (not its roots): the two twins of one seed must never share one.</summary>
    [Fact]
    public void The_hard_and_easy_twins_of_one_seed_have_different_manifests()
    {
        Assert.Equal(easy.Manifest.Samples.Count, full.Manifest.Samples.Count);
        Assert.NotEqual(easy.Manifest.Hash, full.Manifest.Hash);
    }

    [Fact]
    public void A_manifest_written_to_json_and_read_back_has_the_same_hash_and_resolves_to_existing_files()
    {
        var path = Path.Combine(full.Root, "manifest.json");
        full.Manifest.Write(path);
        var back = Manifest.Read(path);
        Assert.Equal(full.Manifest.Hash, back.Hash);
        Assert.True(File.Exists(back.Resolve(back.Samples[0], back.Samples[0].Clip.ApexFrame)));
    }

    [Fact]
    public void Different_seeds_give_different_manifests_with_the_same_counts()
    {
        Assert.NotEqual(full.Manifest.Hash, withDefects.Manifest.Hash);
        Assert.Equal(full.Manifest.Samples.Count, withDefects.Manifest.Samples.Count);
    }

    [Fact]
    public void The_inspection_json_has_the_keys_the_cli_promises()
    {
        var json = InspectionReport.Json(full.Manifest, CompositeSummary.Of(full.Manifest, ClassSet.Named(ClassSet.Megc2019)));
        Assert.Equal(68, (int)json["composite"]!["subjects"]!);
        Assert.Equal(442, (int)json["composite"]!["samples"]!);
        foreach (var (part, counts) in new[] { ("smic", new[] { 70, 51, 43 }), ("casme2", new[] { 88, 32, 25 }), ("samm", new[] { 92, 26, 15 }) })
            Assert.Equal(counts, new[] { "negative", "positive", "surprise" }.Select(c => (int)json["composite"]!["parts"]![part]![c]!));
        var excluded = json["excluded"]!.AsArray();
        Assert.Equal(full.Manifest.Excluded.Count, excluded.Count);
        Assert.All(excluded, e => Assert.Equal(["database", "sample", "reason"], e!.AsObject().Select(p => p.Key)));
        Assert.Empty(json["mismatches"]!.AsArray());
    }
}

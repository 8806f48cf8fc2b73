using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Tests;

public sealed class CompositeBuilderTests
{
    private static Clip ClipOf(string database, string subject, string name, string emotion) => new()
    {
        Database = database, Subject = $"{database}/{subject}", Name = name, Emotion = emotion, ActionUnits = [],
        Frames = [$"{subject}/{name}/img1.jpg"], Onset = 1, Apex = 1, Offset = 1,
    };

    private static DatabaseScan Casme2(params Clip[] clips) =>
        new("casme2", "/data/casme2", clips, [new ExcludedSample("casme2", "casme2/sub09/EP01_01", "clip folder missing")]);

    [Fact]
    public void Mapped_clips_are_labelled_and_dropped_unknown_and_officially_excluded_ones_are_listed_with_reasons()
    {
        var manifest = CompositeBuilder.Build(ClassSet.Named(ClassSet.Megc2019), [Casme2(
            ClipOf("casme2", "sub01", "EP01_01", "repression"),
            ClipOf("casme2", "sub01", "EP01_02", "others"),
            ClipOf("casme2", "sub01", "EP01_03", "contempt"),
            ClipOf("casme2", "sub04", "EP12_01f", "disgust"))]);

        Assert.Equal("negative", manifest.Samples.Single().Label);
        var reasons = manifest.Excluded.ToDictionary(e => e.Sample, e => e.Reason);
        Assert.Equal("clip folder missing", reasons["casme2/sub09/EP01_01"]);
        Assert.Equal("emotion 'others' is dropped by megc2019-3class", reasons["casme2/sub01/EP01_02"]);
        Assert.Equal("emotion 'contempt' is not covered by megc2019-3class", reasons["casme2/sub01/EP01_03"]);
        Assert.Contains("official MEGC2019", reasons["casme2/sub04/EP12_01f"]);
    }

    [Fact]
    public void A_database_the_class_set_does_not_cover_is_an_error_naming_both()
    {
        var error = Assert.Throws<DatasetException>(() => CompositeBuilder.Build(ClassSet.Named("samm-5class"), [Casme2()]));
        Assert.Contains("samm-5class", error.Message);
        Assert.Contains("casme2", error.Message);
    }

    [Fact]
    public void A_single_database_class_set_keeps_its_native_classes()
    {
        var manifest = CompositeBuilder.Build(ClassSet.Named("casme2-5class"), [Casme2(
            ClipOf("casme2", "sub01", "EP01_01", "others"),
            ClipOf("casme2", "sub01", "EP01_02", "fear"))]);
        Assert.Equal("others", manifest.Samples.Single().Label);
        Assert.Contains(manifest.Excluded, e => e.Reason == "emotion 'fear' is dropped by casme2-5class");
    }

    [Fact]
    public void Loading_without_any_root_is_an_error()
    {
        Assert.Throws<DatasetException>(() => CompositeBuilder.Load(ClassSet.Named(ClassSet.Megc2019), null, null, null));
    }
}

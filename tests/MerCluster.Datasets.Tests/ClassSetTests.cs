using MerCluster.Core;
using MerCluster.Core.Configuration;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;

namespace MerCluster.Datasets.Tests;

public sealed class ClassSetTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> EmotionsOf = new()
    {
        [DatabaseIds.Casme2] = Casme2Loader.Emotions,
        [DatabaseIds.Samm] = SammLoader.Emotions,
        [DatabaseIds.Smic] = SmicLoader.Emotions,
        [DatabaseIds.CkPlus] = CkPlusLayout.Emotions,
    };

    public static TheoryData<string> ClassSetFiles() =>
        new(Directory.GetFiles(Path.Combine(RepositoryPaths.Configs, "datasets"), "*.yaml").Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(ClassSetFiles))]
    public void Every_emotion_of_every_covered_database_is_mapped_or_explicitly_dropped(string name)
    {
        var classSet = ClassSet.Named(name);
        Assert.Equal(name, classSet.Name);
        foreach (var labels in classSet.Databases)
            foreach (var emotion in EmotionsOf[labels.Database])
                Assert.True(labels.ClassOf(emotion) is not null || labels.IsDropped(emotion), $"{name}: {labels.Database} emotion '{emotion}' is neither mapped nor dropped");
    }

    [Fact]
    public void Megc2019_maps_as_the_composite_defines_and_names_the_three_official_exclusions()
    {
        var megc = ClassSet.Named(ClassSet.Megc2019);
        Assert.Equal(["negative", "positive", "surprise"], megc.Classes);
        Assert.Equal("negative", megc.For("casme2")!.ClassOf("repression"));
        Assert.Equal("negative", megc.For("samm")!.ClassOf("Contempt"));
        Assert.Equal("positive", megc.For("samm")!.ClassOf("happiness"));
        Assert.True(megc.For("casme2")!.IsDropped("others"));
        Assert.True(megc.For("samm")!.IsDropped("Other"));
        Assert.Equal(["casme2/sub04/EP12_01f", "casme2/sub05/EP12_03f", "casme2/sub24/EP02_07"], megc.ExcludedSamples.Select(e => e.Sample));
        Assert.Equal(442, megc.Official.Sum(o => o.Samples));
        Assert.Equal(68, megc.Official.Sum(o => o.Subjects));
        Assert.All(megc.Databases, d => Assert.Equal(1, d.FramesPerSequence));
        Assert.Equal(3, ClassSet.Named(ClassSet.CkPlus).For("ckplus")!.FramesPerSequence);
    }

    [Fact]
    public void The_native_class_sets_are_casme2_and_samm_five_classes()
    {
        Assert.Equal(["happiness", "disgust", "repression", "surprise", "others"], ClassSet.Named("casme2-5class").Classes);
        Assert.Equal(5, ClassSet.Named("samm-5class").Classes.Count);
    }

    [Theory]
    [InlineData("smic", "1", "a", "class 'b' is not in classes")]
    [InlineData("smic", "3", "b", "smic: frames_per_sequence 3 applies only to ckplus")]
    [InlineData("ckplus", "0", "b", "ckplus: frames_per_sequence 0 is not a positive count")]
    public void A_class_set_mapping_to_an_unknown_class_or_asking_frames_of_a_micro_database_is_a_config_error_naming_the_file(
        string database, string frames, string classes, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mer-classset-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"name: broken\nclasses: [{classes}]\ndatabases:\n  - database: {database}\n    frames_per_sequence: {frames}\n    classes:\n      b: [positive]\n");
        try
        {
            var error = Assert.Throws<ConfigException>(() => ClassSet.Load(path));
            Assert.Contains(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

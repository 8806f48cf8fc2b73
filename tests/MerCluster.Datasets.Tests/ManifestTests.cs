using MerCluster.Datasets.Manifests;

namespace MerCluster.Datasets.Tests;

public sealed class ManifestTests
{
    private static Manifest OneSample(params string[] frames) => new()
    {
        ClassSet = "test",
        Classes = ["negative", "positive"],
        Roots = new Dictionary<string, string> { ["smic"] = "/data/smic" },
        Samples =
        [
            new ManifestSample(new Clip
            {
                Database = "smic", Subject = "smic/s1", Name = "s1_po_01", Emotion = "positive", ActionUnits = [],
                Frames = frames, Onset = 1, Apex = 1, Offset = frames.Length,
            }, "positive"),
        ],
        Excluded = [new ExcludedSample("smic", "smic/s2/s2_ne_01", "a reason")],
    };

    [Theory]
    [InlineData("../outside/image1.bmp")]
    [InlineData("HS/s1/../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    public void A_frame_path_that_could_escape_the_root_is_rejected_when_a_manifest_is_read(string frame)
    {
        var json = OneSample("HS/s1/image1.bmp").ToJson().Replace("HS/s1/image1.bmp", frame);
        var error = Assert.Throws<DatasetException>(() => Manifest.FromJson(json, "manifest.json"));
        Assert.Contains("smic/s1/s1_po_01", error.Message);
        Assert.Contains("manifest.json", error.Message);
    }

    [Fact]
    public void Resolving_a_dotdot_path_is_rejected()
    {
        var manifest = OneSample("HS/s1/image1.bmp");
        Assert.Throws<DatasetException>(() => manifest.Resolve(manifest.Samples[0], "../secret.bmp"));
        Assert.Equal(Path.Combine("/data/smic", "HS/s1/image1.bmp"), manifest.Resolve(manifest.Samples[0], manifest.Samples[0].Clip.Frames[0]));
    }

    [Fact]
    public void A_path_outside_the_root_cannot_be_made_relative()
    {
        Assert.Throws<DatasetException>(() => ManifestPaths.ToRelative("/data/casme2", "/data/samm/006/x.jpg"));
        Assert.Equal("sub01/EP01/img1.jpg", ManifestPaths.ToRelative("/data/casme2", "/data/casme2/sub01/EP01/img1.jpg"));
    }

    [Fact]
    public void Json_round_trip_keeps_content_and_hash_and_the_hash_ignores_roots()
    {
        var manifest = OneSample("HS/s1/image1.bmp", "HS/s1/image2.bmp");
        var back = Manifest.FromJson(manifest.ToJson(), "round trip");
        Assert.Equal(manifest.Hash, back.Hash);
        Assert.Equal(manifest.Samples[0].Clip.Frames, back.Samples[0].Clip.Frames);
        Assert.Equal(manifest.Excluded, back.Excluded);
        Assert.Equal(manifest.Hash, (manifest with { Roots = new Dictionary<string, string> { ["smic"] = "/elsewhere" } }).Hash);
    }

    [Fact]
    public void The_hash_changes_when_a_label_changes()
    {
        var manifest = OneSample("HS/s1/image1.bmp");
        var relabelled = manifest with { Samples = [manifest.Samples[0] with { Label = "negative" }] };
        Assert.NotEqual(manifest.Hash, relabelled.Hash);
    }
}

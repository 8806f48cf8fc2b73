using MerCluster.Core.Arrays;
using MerCluster.Core.Features;

namespace MerCluster.Core.Tests;

public sealed class FeatureSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("featureset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FeatureSet TwoInputs()
    {
        string[] classes = ["negative", "positive", "surprise"];
        FeatureSample[] samples =
        [
            new("casme2/sub01/EP02_01f", "casme2/sub01", "casme2", "positive"),
            new("casme2/sub02/EP03_02", "casme2/sub02", "casme2", "negative"),
            new("samm/006/006_1_2", "samm/006", "samm", "surprise"),
        ];
        var flow = new NdArray<float>([3, 3, 2, 2], Enumerable.Range(0, 36).Select(i => (float)i).ToArray());
        var apex = new NdArray<float>([3, 1, 4, 4], Enumerable.Range(0, 48).Select(i => -i * 0.25f).ToArray());
        return new FeatureSet(classes, samples, [KeyValuePair.Create("flow", flow), KeyValuePair.Create("apex", apex)]);
    }

    [Fact]
    public void Write_then_read_gives_back_classes_samples_and_inputs_in_order()
    {
        var set = TwoInputs();
        set.Write(_dir);
        var back = FeatureSet.Read(_dir);
        Assert.Equal(set.Classes, back.Classes);
        Assert.Equal(set.Samples, back.Samples);
        Assert.Equal(["flow", "apex"], back.Inputs.Keys);
        Assert.Equal(set.Inputs["apex"].Shape, back.Inputs["apex"].Shape);
        Assert.Equal(set.Inputs["flow"].Data, back.Inputs["flow"].Data);
        Assert.Equal([1, 4, 4], back.SampleShape("apex"));
        Assert.Equal("sample_id,subject,database,label", File.ReadLines(Path.Combine(_dir, "samples.csv")).First());
    }

    [Fact]
    public void An_input_min_max_scaled_per_sample_says_so_in_the_manifest_and_keeps_it_through_reading_and_row_selection()
    {
        var plain = TwoInputs();
        var set = new FeatureSet(plain.Classes, plain.Samples, plain.Inputs, minMax: new Dictionary<string, float> { ["flow"] = 255f });
        set.Write(_dir);
        Assert.Contains("\"min_max\": 255", File.ReadAllText(Path.Combine(_dir, FeatureSet.ManifestFile)));
        var back = FeatureSet.Read(_dir);
        Assert.Equal(new Dictionary<string, float> { ["flow"] = 255f }, back.MinMax);
        Assert.Equal(255f, back.Where(s => s.Database == "samm").MinMax["flow"]);

        plain.Write(_dir);
        Assert.DoesNotContain("min_max", File.ReadAllText(Path.Combine(_dir, FeatureSet.ManifestFile)));
        Assert.Empty(FeatureSet.Read(_dir).MinMax);
    }

    [Fact]
    public void A_min_max_for_an_input_the_set_lacks_is_an_error_naming_it()
    {
        var plain = TwoInputs();
        var error = Assert.Throws<InvalidDataException>(() =>
            new FeatureSet(plain.Classes, plain.Samples, plain.Inputs, minMax: new Dictionary<string, float> { ["flow_uvs"] = 255f }));
        Assert.Contains("'flow_uvs'", error.Message);
    }

    [Fact]
    public void Label_indices_follow_the_class_order()
    {
        Assert.Equal([1L, 0L, 2L], TwoInputs().LabelIndices());
    }

    [Fact]
    public void Where_keeps_the_matching_rows_of_every_input()
    {
        var heldOut = TwoInputs().Where(s => s.Subject != "casme2/sub02");
        Assert.Equal(["casme2/sub01/EP02_01f", "samm/006/006_1_2"], heldOut.Samples.Select(s => s.SampleId));
        Assert.Equal([2, 3, 2, 2], heldOut.Inputs["flow"].Shape);
        Assert.Equal(24f, heldOut.Inputs["flow"].Data[12]);
        Assert.Equal(-32 * 0.25f, heldOut.Inputs["apex"].Data[16]);
    }

    [Fact]
    public void A_label_outside_the_classes_is_an_error_naming_the_sample()
    {
        var error = Assert.Throws<InvalidDataException>(() => new FeatureSet(["negative"],
            [new FeatureSample("smic/s1/s1_po_01", "smic/s1", "smic", "positive")],
            [KeyValuePair.Create("flow", NdArray<float>.Zeros(1, 1, 1, 1))]));
        Assert.Contains("smic/s1/s1_po_01", error.Message);
    }

    [Fact]
    public void An_input_whose_rows_do_not_match_the_samples_is_an_error_naming_the_input()
    {
        var error = Assert.Throws<InvalidDataException>(() => new FeatureSet(["negative"],
            [new FeatureSample("smic/s1/s1_ne_01", "smic/s1", "smic", "negative")],
            [KeyValuePair.Create("strain", NdArray<float>.Zeros(2, 1, 1, 1))]));
        Assert.Contains("strain", error.Message);
    }

    [Fact]
    public void An_array_file_that_disagrees_with_the_manifest_shape_is_an_error_naming_the_file()
    {
        TwoInputs().Write(_dir);
        Npy.Write(Path.Combine(_dir, "apex.npy"), NdArray<float>.Zeros(3, 1, 5, 5));
        var error = Assert.Throws<InvalidDataException>(() => FeatureSet.Read(_dir));
        Assert.Contains("apex.npy", error.Message);
    }

    [Fact]
    public void A_malformed_samples_row_is_an_error_naming_the_line()
    {
        TwoInputs().Write(_dir);
        var csv = Path.Combine(_dir, "samples.csv");
        File.WriteAllLines(csv, [.. File.ReadAllLines(csv)[..3], "samm/006/006_1_2,samm/006"]);
        var error = Assert.Throws<InvalidDataException>(() => FeatureSet.Read(_dir));
        Assert.Contains("samples.csv:4", error.Message);
    }

    [Fact]
    public void A_directory_without_a_manifest_is_not_a_feature_set()
    {
        var error = Assert.Throws<FileNotFoundException>(() => FeatureSet.Read(_dir));
        Assert.Contains("featureset.json", error.Message);
    }
}

using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;

namespace MerCluster.Datasets.Tests;

public sealed class CkPlusLoaderTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>Frames 1..<paramref name="last"/> of S{subject}/{sequence}, and its emotion file holding <paramref name="emotion"/> when given.</summary>
    private void Sequence(int subject, string sequence, int last, string? emotion = null, int? labelledPeak = null, params int[] skip)
    {
        _tree.Frames(CkPlusLayout.SequenceDirectory(subject, sequence), 1, last, k => CkPlusLayout.FrameFile(subject, sequence, k), skip);
        if (emotion is not null)
            Label(subject, sequence, labelledPeak ?? last, emotion);
    }

    private void Label(int subject, string sequence, int peak, string content)
    {
        var path = _tree.PathOf(CkPlusLayout.EmotionFile(subject, sequence, peak));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static string Code(int code) => $"   {code}.0000000e+00\n";

    [Fact]
    public void A_labelled_sequence_runs_from_its_first_frame_to_its_peak_with_the_ck_plus_emotion_name()
    {
        Sequence(5, "001", 11, Code(3));
        Sequence(10, "002", 14, Code(5));
        var scan = CkPlusLoader.Load(_tree.Root);
        Assert.Equal("ckplus", scan.Database);
        var clip = scan.Clips.Single(c => c.Name == "001");
        Assert.Equal(("ckplus/S005", "ckplus/S005/001", "disgust"), (clip.Subject, clip.SampleId, clip.Emotion));
        Assert.Equal((1, 11, 11), (clip.Onset, clip.Apex, clip.Offset));
        Assert.Equal("cohn-kanade-images/S005/001/S005_001_00000011.png", clip.ApexFrame);
        Assert.Equal("cohn-kanade-images/S005/001/S005_001_00000001.png", clip.OnsetFrame);
        Assert.Empty(clip.Flags);
        Assert.Equal("happy", scan.Clips.Single(c => c.Subject == "ckplus/S010").Emotion);
        Assert.Empty(scan.Excluded);
    }

    [Fact]
    public void The_ck_plus_class_set_maps_emotions_to_the_composite_classes_and_drops_neutral_and_unlabelled_sequences_with_reasons()
    {
        for (var code = 0; code < 8; code++)
            Sequence(5, $"{code + 1:000}", 10 + code, Code(code));
        Sequence(5, "009", 12);
        var manifest = CompositeBuilder.Load(ClassSet.Named(ClassSet.CkPlus), null, null, null, ckplus: _tree.Root);
        Assert.Equal(["negative", "positive", "surprise"], manifest.Classes);
        var labels = manifest.Samples.ToDictionary(s => s.Clip.Emotion, s => s.Label);
        Assert.Equal(new Dictionary<string, string>
        {
            ["anger"] = "negative", ["disgust"] = "negative", ["sadness"] = "negative", ["happy"] = "positive", ["surprise"] = "surprise",
        }, labels);
        var excluded = manifest.Excluded.ToDictionary(e => e.Sample, e => e.Reason);
        Assert.Equal(4, excluded.Count);
        // Seed 004 (Section 4.1): negative is anger, disgust and sadness only.
        Assert.Contains("'contempt' is dropped by ckplus-3class", excluded["ckplus/S005/003"]);
        Assert.Contains("'fear' is dropped by ckplus-3class", excluded["ckplus/S005/005"]);
        Assert.Contains("'neutral' is dropped by ckplus-3class", excluded["ckplus/S005/001"]);
        Assert.Contains("no emotion label", excluded["ckplus/S005/009"]);
        Assert.Contains(_tree.PathOf("Emotion", "S005", "009"), excluded["ckplus/S005/009"]);
    }

    [Fact]
    public void Malformed_emotion_files_and_missing_frames_exclude_their_sequence_naming_the_file_and_the_rest_load()
    {
        Sequence(5, "001", 10, Code(5));
        Sequence(5, "002", 10, "happy\n");
        Sequence(5, "003", 10, Code(9));
        Sequence(5, "004", 10, Code(7), skip: 4);
        Sequence(5, "005", 10, Code(7), labelledPeak: 11);
        Sequence(5, "006", 10, Code(7), labelledPeak: 8);
        Sequence(5, "007", 10, Code(1));
        Label(5, "007", 9, Code(1));
        var scan = CkPlusLoader.Load(_tree.Root);
        Assert.Equal("ckplus/S005/001", scan.Clips.Single().SampleId);
        var excluded = scan.Excluded.ToDictionary(e => e.Sample, e => e.Reason);
        Assert.Equal(6, excluded.Count);
        Assert.Contains(_tree.PathOf(CkPlusLayout.EmotionFile(5, "002", 10)), excluded["ckplus/S005/002"]);
        Assert.Contains("'happy' is not a CK+ emotion code", excluded["ckplus/S005/002"]);
        Assert.Contains(_tree.PathOf(CkPlusLayout.EmotionFile(5, "003", 10)), excluded["ckplus/S005/003"]);
        Assert.Contains(_tree.PathOf(CkPlusLayout.SequenceDirectory(5, "004"), "S005_004_00000004.png"), excluded["ckplus/S005/004"]);
        Assert.Contains(_tree.PathOf(CkPlusLayout.SequenceDirectory(5, "005"), "S005_005_00000011.png"), excluded["ckplus/S005/005"]);
        Assert.Contains("goes on to", excluded["ckplus/S005/006"]);
        Assert.Contains("2 emotion files", excluded["ckplus/S005/007"]);
    }

    [Fact]
    public void A_root_without_the_image_folder_is_an_error_naming_it()
    {
        var error = Assert.Throws<DatasetException>(() => CkPlusLoader.Load(_tree.Root));
        Assert.Contains(_tree.Root, error.Message);
        Assert.Contains("cohn-kanade-images", error.Message);
    }
}

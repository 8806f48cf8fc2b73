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
        var labels = manifest.Samples.DistinctBy(s => s.Clip.Emotion).ToDictionary(s => s.Clip.Emotion, s => s.Label);
        Assert.Equal(3 * labels.Count, manifest.Samples.Count);
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

    /// <summary>Seed 004 (Section 4.1) pretrains on the last three frames of each CK+ sequence: three samples per sequence.</summary>
    [Fact]
    public void The_ck_plus_class_set_makes_the_last_three_frames_of_each_sequence_three_samples_of_its_subject_and_class()
    {
        Sequence(5, "001", 11, Code(3));
        Sequence(5, "002", 3, Code(5));
        Sequence(10, "001", 14, Code(7));
        var manifest = CompositeBuilder.Load(ClassSet.Named(ClassSet.CkPlus), null, null, null, ckplus: _tree.Root);
        Assert.Equal(9, manifest.Samples.Count);
        var sequence = manifest.Samples.Where(s => s.SampleId.StartsWith("ckplus/S005/001/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ckplus/S005/001/f9", "ckplus/S005/001/f10", "ckplus/S005/001/f11"], sequence.Select(s => s.SampleId));
        Assert.Equal([9, 10, 11], sequence.Select(s => s.Clip.Apex));
        Assert.All(sequence, s =>
        {
            Assert.Equal(("ckplus/S005", "disgust", "negative"), (s.Subject, s.Clip.Emotion, s.Label));
            Assert.Equal((1, s.Clip.Apex), (s.Clip.Onset, s.Clip.Offset));
            Assert.Equal($"cohn-kanade-images/S005/001/S005_001_{s.Clip.Apex:00000000}.png", s.Clip.ApexFrame);
            Assert.Equal("cohn-kanade-images/S005/001/S005_001_00000001.png", s.Clip.OnsetFrame);
            Assert.Equal(s.Clip.Apex, s.Clip.Frames.Count);
        });
        // A sequence of exactly three frames gives all three; the samples of one sequence stay with its subject.
        Assert.Equal(["ckplus/S005/002/f1", "ckplus/S005/002/f2", "ckplus/S005/002/f3"],
            manifest.Samples.Where(s => s.Clip.Emotion == "happy").Select(s => s.SampleId));
        Assert.All(manifest.Samples.Where(s => s.Clip.Emotion == "surprise"), s => Assert.Equal("ckplus/S010", s.Subject));
        Assert.Empty(manifest.Excluded);
    }

    [Fact]
    public void A_sequence_shorter_than_the_frames_the_class_set_takes_is_left_out_naming_it_and_the_rest_load()
    {
        Sequence(5, "001", 11, Code(3));
        Sequence(7, "004", 2, Code(6));
        var manifest = CompositeBuilder.Load(ClassSet.Named(ClassSet.CkPlus), null, null, null, ckplus: _tree.Root);
        Assert.Equal(3, manifest.Samples.Count);
        var excluded = Assert.Single(manifest.Excluded);
        Assert.Equal("ckplus/S007/004", excluded.Sample);
        Assert.Equal("ckplus-3class takes the last 3 frames of each sequence, but cohn-kanade-images/S007/004 holds only frames 1..2", excluded.Reason);
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

using MerCluster.Core;
using MerCluster.Datasets.Composite;
using MerCluster.Datasets.Labels;
using MerCluster.Datasets.Loaders;
using MerCluster.Datasets.Manifests;
using MerCluster.Datasets.Synthetic;
using MerCluster.Vision;

namespace MerCluster.Datasets.Tests;

/// <summary>A small rendered CK+ tree (macro mode), written once for the tests that read its pixels.</summary>
public sealed class MacroRenderedTree : IDisposable
{
    private readonly TempTree _tree = new();

    public MacroRenderedTree()
    {
        Plan = SyntheticDataset.Write(_tree.Root, Options);
        Manifest = Load(_tree.Root);
    }

    public SynthOptions Options { get; } = new() { Mode = SynthMode.Macro, Scale = SynthScale.Small, Seed = 5, Threads = 2 };

    public SynthPlan Plan { get; }

    public Manifest Manifest { get; }

    public string PathOf(params string[] parts) => _tree.PathOf(parts);

    public static Manifest Load(string root) =>
        CompositeBuilder.Load(ClassSet.Named(ClassSet.CkPlus), null, null, null, ckplus: Path.Combine(root, "CK+"));

    public void Dispose() => _tree.Dispose();
}

/// <summary>The generator's macro mode: CK+'s layout and counts, macro-sized motions, determinism, and the CK+ loader reading it.</summary>
public sealed class SyntheticMacroTests(MacroRenderedTree tree) : IClassFixture<MacroRenderedTree>, IDisposable
{
    private readonly TempTree _again = new();

    public void Dispose() => _again.Dispose();

    [Theory]
    [InlineData(SynthScale.Full)]
    [InlineData(SynthScale.Small)]
    public void Macro_clips_run_from_neutral_at_frame_one_to_the_peak_longer_and_several_times_larger_than_micro_ones(SynthScale scale)
    {
        var clips = SynthPlan.Create(scale, 1, false, SynthMode.Macro).Clips;
        Assert.All(clips, clip =>
        {
            Assert.Equal(DatabaseIds.CkPlus, clip.Database);
            Assert.Equal((1, clip.Offset), (clip.Onset, clip.Apex));
            Assert.InRange(clip.FrameCount, 14, 24);
            Assert.InRange(clip.Amplitude, 5, 12);
            Assert.Matches(@"^\d\d\d$", clip.Name);
        });
        var micro = SynthPlan.Create(scale, 1, false).Clips;
        Assert.True(clips.Average(c => c.Amplitude) > 3 * micro.Average(c => c.Amplitude));
        Assert.True(clips.Min(c => c.FrameCount) > micro.Average(c => c.FrameCount));
        Assert.Equal(clips, SynthPlan.Create(scale, 1, false, SynthMode.Macro).Clips);
        Assert.NotEqual(clips, SynthPlan.Create(scale, 2, false, SynthMode.Macro).Clips);
    }

    [Fact]
    public void A_full_macro_tree_has_ck_plus_counts_and_loads_to_the_published_table()
    {
        var plan = SyntheticDataset.Write(_again.Root, new SynthOptions { Mode = SynthMode.Macro, Scale = SynthScale.Full, Seed = 2, Pixels = false });
        Assert.Equal((123, 593), (plan.Subjects.Count, plan.Clips.Count));
        Assert.Equal(327, plan.Clips.Count(c => c.EmotionFile is not null));
        Assert.False(Directory.Exists(_again.PathOf("CASME2")));
        var manifest = MacroRenderedTree.Load(_again.Root);
        var summary = CompositeSummary.Of(manifest, ClassSet.Named(ClassSet.CkPlus));
        // The class counts are the published ones; how many subjects keep a sequence once contempt and fear are dropped is
        // unpublished (the generator deals emotions to subjects at random), so only the subject count may differ.
        Assert.All(summary.Mismatches(), m => Assert.Matches(@"^ckplus: \d+ subjects, official 118$", m));
        // Seed 004's negative class is anger, disgust and sadness: contempt (18) and fear (25) are dropped with the 266 unlabelled.
        Assert.Equal(266 + 18 + 25, manifest.Excluded.Count);
        Assert.Equal(266, manifest.Excluded.Count(e => e.Reason.Contains("no emotion label")));
        // Seed 004 (Section 4.1) takes the last three frames of each sequence: three samples per labelled sequence.
        var counts = manifest.Samples.GroupBy(s => s.Clip.Emotion).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["anger"] = 3 * 45, ["disgust"] = 3 * 59, ["happy"] = 3 * 69, ["sadness"] = 3 * 28, ["surprise"] = 3 * 83,
        }, counts);
    }

    [Fact]
    public void Sheet_defects_are_refused_in_macro_mode()
    {
        Assert.Throws<ArgumentException>(() => SynthPlan.Create(SynthScale.Small, 1, true, SynthMode.Macro));
    }

    [Fact]
    public void The_small_macro_tree_loads_four_sequences_per_class_as_grayscale_png_frames_with_ck_plus_emotion_files()
    {
        var manifest = tree.Manifest;
        Assert.Equal(3 * 12, manifest.Samples.Count);
        Assert.All(manifest.Classes, c => Assert.Equal(3 * 4, manifest.Samples.Count(s => s.Label == c)));
        Assert.Equal(2, manifest.Excluded.Count);
        var sample = manifest.Samples[2];
        Assert.Matches(@"^cohn-kanade-images/S\d{3}/\d{3}/S\d{3}_\d{3}_\d{8}\.png$", sample.Clip.ApexFrame);
        var planned = tree.Plan.Clips.Single(c => sample.SampleId == $"{c.SampleId}/f{c.Offset}");
        var emotionFile = tree.PathOf("CK+", planned.EmotionFile!);
        Assert.Equal(CkPlusLayout.Emotions.ToList().IndexOf(planned.Emotion), (int)double.Parse(File.ReadAllText(emotionFile), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(sample.Clip.Offset, sample.Clip.Apex);
        var peak = Image.Read(tree.Manifest.Resolve(sample, sample.Clip.ApexFrame));
        Assert.Equal((SyntheticDataset.FrameSize, SyntheticDataset.FrameSize, 1), (peak.Height, peak.Width, peak.Channels));
    }

    [Fact]
    public void The_same_seed_gives_identical_frames_and_emotion_files_whatever_the_thread_count()
    {
        var plan = SyntheticDataset.Write(_again.Root, tree.Options with { Threads = 1 });
        Assert.Equal(tree.Plan.Clips, plan.Clips);
        foreach (var clip in plan.Clips.Where((_, i) => i % 3 == 0))
        {
            foreach (var frame in new[] { clip.Onset, clip.Offset })
            {
                var relative = Path.Combine("CK+", clip.Directory, clip.FrameFile(frame));
                Assert.Equal(File.ReadAllBytes(tree.PathOf(relative)), File.ReadAllBytes(_again.PathOf(relative)));
            }
            if (clip.EmotionFile is { } emotion)
                Assert.Equal(File.ReadAllText(tree.PathOf("CK+", emotion)), File.ReadAllText(_again.PathOf("CK+", emotion)));
        }
    }

    /// <summary>Dlib must find the face at the peak too (the pipeline detects on the first frame, but a macro motion must not
    /// wreck the face), and the peak must differ from neutral far more than a micro apex does.</summary>
    [Fact]
    public void Dlib_finds_the_face_at_neutral_and_at_the_peak_and_the_peak_moves_the_face_visibly()
    {
        using var model = FaceModel.Load();
        foreach (var sample in tree.Manifest.Samples.GroupBy(s => s.Subject).Select(g => g.Last()))
        {
            var onset = Image.Read(tree.Manifest.Resolve(sample, sample.Clip.OnsetFrame));
            var peak = Image.Read(tree.Manifest.Resolve(sample, sample.Clip.ApexFrame));
            foreach (var frame in new[] { onset, peak })
                Assert.InRange(model.Detect(frame).Box.Width, 80, 200);
            var flow = OpticalFlow.TvL1(onset, peak);
            var largest = 0.0;
            for (var i = 0; i < flow.Data.Length; i += 2)
                largest = Math.Max(largest, Math.Sqrt(flow.Data[i] * flow.Data[i] + flow.Data[i + 1] * flow.Data[i + 1]));
            Assert.True(largest > 3, $"{sample.SampleId}: largest TV-L1 motion onset -> peak {largest:F2} px");
        }
    }
}

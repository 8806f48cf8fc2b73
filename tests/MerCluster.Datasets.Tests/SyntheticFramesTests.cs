using MerCluster.Core;
using System.Drawing;
using MerCluster.Datasets.Manifests;
using MerCluster.Datasets.Synthetic;
using MerCluster.Vision;

namespace MerCluster.Datasets.Tests;

/// <summary>A small rendered tree: determinism, detectability and the class-specific motion the clips carry.</summary>
public sealed class SyntheticFramesTests(SmallRenderedTree tree) : IClassFixture<SmallRenderedTree>, IDisposable
{
    private readonly TempTree _again = new();

    public void Dispose() => _again.Dispose();

    [Fact]
    public void The_same_seed_gives_identical_sheets_and_frames_whatever_the_thread_count()
    {
        var plan = SyntheticDataset.Write(_again.Root, tree.Options with { Threads = 1 });
        Assert.Equal(tree.Plan.Clips, plan.Clips);
        foreach (var sheet in new[] { "CASME2/CASME2-coding-20140508.xlsx", "SAMM/SAMM_Micro_FACS_Codes_v2.xlsx" })
            Assert.Equal(File.ReadAllBytes(tree.PathOf(sheet)), File.ReadAllBytes(_again.PathOf(sheet)));
        SyntheticTree.AssertSameFrames(plan, r => tree.PathOf(r), r => _again.PathOf(r), every: 4);
    }

    [Fact]
    public void The_small_tree_loads_with_every_class_in_every_database_and_official_frame_formats()
    {
        var manifest = tree.Manifest;
        Assert.Equal(27, manifest.Samples.Count);
        Assert.Equal(9, manifest.Samples.Select(s => s.Subject).Distinct().Count());
        foreach (var database in DatabaseIds.All)
            foreach (var label in manifest.Classes)
                Assert.Contains(manifest.Samples, s => s.Database == database && s.Label == label);
        Assert.Equal(2, manifest.Excluded.Count);
        var smic = manifest.Samples.First(s => s.Database == "smic");
        var frame = Image.Read(manifest.Resolve(smic, smic.Clip.ApexFrame));
        Assert.Equal((SyntheticDataset.FrameSize, SyntheticDataset.FrameSize, 3), (frame.Height, frame.Width, frame.Channels));
        Assert.EndsWith(".bmp", smic.Clip.ApexFrame);
        Assert.All(manifest.Samples.Where(s => s.Database != "smic"), s => Assert.EndsWith(".jpg", s.Clip.ApexFrame));
    }

    [Fact]
    public void Dlib_finds_one_face_on_the_onset_and_apex_frames_of_every_subject()
    {
        using var model = FaceModel.Load();
        foreach (var sample in tree.Manifest.Samples.GroupBy(s => s.Subject).Select(g => g.First()))
            foreach (var frame in new[] { sample.Clip.OnsetFrame, sample.Clip.ApexFrame })
            {
                var face = model.Detect(Image.Read(tree.Manifest.Resolve(sample, frame)));
                Assert.InRange(face.Box.Width, 80, 200);
            }
    }

    /// <summary>TV-L1 onset->apex against onset->next frame (where the action has barely started) in the region the
    /// class moves, and against the other region at apex: the synthetic action must be visible to the flow the pipeline
    /// computes, above head jitter and sensor noise, and where the class puts it.</summary>
    [Theory]
    [InlineData("positive", "mouth corners")]
    [InlineData("surprise", "brows")]
    public void Tv_l1_flow_in_the_class_region_is_higher_at_apex_than_at_onset(string label, string region)
    {
        using var model = FaceModel.Load();
        var samples = tree.Manifest.Samples.Where(s => s.Label == label).ToList();
        var measured = new (double AtApex, double AtOnset, double Elsewhere)[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            Image Frame(int number) => Image.Read(tree.Manifest.Resolve(sample, sample.Clip.FrameAt(number)));
            var onset = Frame(sample.Clip.Onset);
            var landmarks = model.Detect(onset).Landmarks;
            var brows = Around(landmarks, 17, 26, margin: 6);
            var mouth = Around(landmarks, 48, 54, margin: 8);
            var (moving, still) = region == "brows" ? (brows, mouth) : (mouth, brows);
            var apexFlow = OpticalFlow.TvL1(onset, Frame(sample.Clip.Apex));
            measured[i] = (MeanMagnitude(apexFlow, moving), MeanMagnitude(OpticalFlow.TvL1(onset, Frame(sample.Clip.Onset + 1)), moving), MeanMagnitude(apexFlow, still));
        }
        for (var i = 0; i < samples.Count; i++)
        {
            var (atApex, atOnset, elsewhere) = measured[i];
            Assert.True(atApex > 1.5 * atOnset && atApex > elsewhere,
                $"{samples[i].SampleId}: mean flow in the {region} {atApex:F3} px at apex, {atOnset:F3} px just after onset, {elsewhere:F3} px in the other region at apex");
        }
        var ratios = measured.Select(m => m.AtApex / m.AtOnset).ToList();
        Assert.True(ratios.Average() > 3, $"{label}: apex/onset flow ratios {string.Join(", ", ratios.Select(r => r.ToString("F1")))}");
    }

    private static Rectangle Around(PointF[] landmarks, int first, int last, int margin)
    {
        var points = landmarks[first..(last + 1)];
        var left = (int)points.Min(p => p.X) - margin;
        var top = (int)points.Min(p => p.Y) - margin;
        return Rectangle.FromLTRB(left, top, (int)points.Max(p => p.X) + margin, (int)points.Max(p => p.Y) + margin);
    }

    private static double MeanMagnitude(FlowField flow, Rectangle box)
    {
        double sum = 0;
        var count = 0;
        for (var y = Math.Max(0, box.Top); y < Math.Min(flow.Height, box.Bottom); y++)
            for (var x = Math.Max(0, box.Left); x < Math.Min(flow.Width, box.Right); x++)
            {
                sum += Math.Sqrt(flow.U(y, x) * flow.U(y, x) + flow.V(y, x) * flow.V(y, x));
                count++;
            }
        return sum / count;
    }
}

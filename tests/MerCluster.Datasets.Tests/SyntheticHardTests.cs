using System.Drawing;
using MerCluster.Datasets.Manifests;
using MerCluster.Datasets.Synthetic;
using MerCluster.Vision;

namespace MerCluster.Datasets.Tests;

/// <summary>
/// The hard twin against the easy one of the same seed, measured on the rendered frames where the difference is in the
/// pixels: expression amplitudes at the pipeline's 224x224 crop, head motion and flicker between the neutral onset and
/// offset frames, subjects that differ more; and in the plan: one expression style per subject, a share of ambiguous clips.
/// </summary>
public sealed class SyntheticHardTests(SmallRenderedTree easy, SmallRenderedHardTree hard)
    : IClassFixture<SmallRenderedTree>, IClassFixture<SmallRenderedHardTree>, IDisposable
{
    private readonly TempTree _again = new();

    public void Dispose() => _again.Dispose();

    [Fact]
    public void The_same_seed_gives_identical_hard_frames_whatever_the_thread_count()
    {
        var plan = SyntheticDataset.Write(_again.Root, hard.Options with { Threads = 1 });
        Assert.Equal(hard.Plan.Clips, plan.Clips);
        SyntheticTree.AssertSameFrames(plan, r => hard.PathOf(r), r => _again.PathOf(r), every: 3);
    }

    /// <summary>The plan's apex amplitude in frame pixels, scaled as the pipeline's alignment scales the subject's face
    /// (inner eye corners, detected on the onset frame, onto their canonical places at 224x224).</summary>
    [Fact]
    public void Hard_amplitudes_are_sub_pixel_to_about_two_pixels_at_the_224_crop_and_easy_ones_larger()
    {
        using var model = FaceModel.Load();
        var (right, left) = Alignment.CanonicalEyeCorners(224);
        var canonical = Distance(right, left);
        List<double> AtCrop(SyntheticTree tree) => tree.Manifest.Samples.Select(sample =>
        {
            var landmarks = model.Detect(Image.Read(tree.Manifest.Resolve(sample, sample.Clip.OnsetFrame))).Landmarks;
            return tree.Plan.Clips.Single(c => c.SampleId == sample.SampleId).Amplitude * canonical / Distance(landmarks[39], landmarks[42]);
        }).ToList();
        var hardAmplitudes = AtCrop(hard);
        var easyAmplitudes = AtCrop(easy);
        Assert.All(hardAmplitudes, a => Assert.InRange(a, 0.2, 2));
        Assert.Contains(hardAmplitudes, a => a < 1);
        Assert.True(easyAmplitudes.Average() > 2 * hardAmplitudes.Average(),
            $"mean amplitude at 224x224: easy {easyAmplitudes.Average():F2} px, hard {hardAmplitudes.Average():F2} px");
    }

    /// <summary>Onset and offset are both neutral: what TV-L1 finds between them on the face is head motion.</summary>
    [Fact]
    public void Hard_clips_move_the_head_between_the_neutral_onset_and_offset_and_easy_ones_barely()
    {
        var hardMotion = NeutralMotion(hard);
        var easyMotion = NeutralMotion(easy);
        Assert.True(hardMotion.Average() > 0.3 && hardMotion.Average() > 2.5 * easyMotion.Average(),
            $"mean onset->offset flow on the face: hard {hardMotion.Average():F3} px, easy {easyMotion.Average():F3} px");
    }

    [Fact]
    public void Hard_clips_flicker_and_easy_ones_keep_a_steady_light()
    {
        var hardFlicker = Flicker(hard);
        var easyFlicker = Flicker(easy);
        Assert.True(hardFlicker.Average() > 0.004 && hardFlicker.Average() > 3 * easyFlicker.Average(),
            $"mean relative brightness spread over a clip: hard {hardFlicker.Average():F4}, easy {easyFlicker.Average():F4}");
    }

    /// <summary>Skin tone and lighting (the face's mean colour) and geometry (the landmarks' shape) per subject.</summary>
    [Fact]
    public void Hard_subjects_differ_more_in_tone_lighting_and_face_geometry()
    {
        var (hardTone, hardShape) = Identities(hard);
        var (easyTone, easyShape) = Identities(easy);
        Assert.True(hardTone > 1.3 * easyTone && hardShape > 1.2 * easyShape,
            $"spread of the subjects' mean face colour: hard {hardTone:F1}, easy {easyTone:F1} grey levels; of their face shape: hard {hardShape:F4}, easy {easyShape:F4} eye distances");
    }

    [Fact]
    public void Each_hard_subject_has_one_expression_style_its_own_and_easy_subjects_none()
    {
        var plan = SynthPlan.Create(SynthScale.Full, 2, false);
        var styles = plan.Clips.GroupBy(c => c.Subject).Select(g => g.Select(c => c.Style).Distinct().Single()).ToList();
        Assert.Equal(styles.Count, styles.Distinct().Count());
        Assert.All(styles, s => Assert.InRange(s.Upper, 0.3, 1.3));
        Assert.All(styles, s => Assert.InRange(s.Lower, 0.3, 1.3));
        Assert.Contains(styles, s => s.Upper < 0.7 && s.Lower > 1);
        Assert.Contains(styles, s => s.Lower < 0.7 && s.Upper > 1);
        Assert.All(SynthPlan.Create(SynthScale.Full, 2, false, difficulty: SynthDifficulty.Easy).Clips, c => Assert.Equal(ExpressionStyle.Neutral, c.Style));
    }

    [Fact]
    public void A_few_hard_clips_are_ambiguous_mixing_in_another_class_and_no_easy_clip_is()
    {
        var composite = SynthPlan.Create(SynthScale.Full, 2, false).Clips.Where(c => c.Composite).ToList();
        var ambiguous = composite.Where(c => c.Blend is not null).ToList();
        Assert.InRange(ambiguous.Count, 0.18 * composite.Count, 0.32 * composite.Count);
        Assert.All(ambiguous, c => Assert.NotEqual(ClassOf(c.Motion), ClassOf(c.Blend!.Value)));
        Assert.All(ambiguous, c => Assert.InRange(c.BlendWeight, 0.6, 1.2));
        Assert.DoesNotContain(SynthPlan.Create(SynthScale.Full, 2, false, difficulty: SynthDifficulty.Easy).Clips, c => c.Blend is not null);
    }

    private static int ClassOf(FacialMotion motion) => motion switch
    {
        FacialMotion.Smile => 0,
        FacialMotion.BrowsUpJawDrop => 2,
        _ => 1,
    };

    private static List<double> NeutralMotion(SyntheticTree tree)
    {
        using var model = FaceModel.Load();
        return tree.Manifest.Samples.Select(sample =>
        {
            var onset = Image.Read(tree.Manifest.Resolve(sample, sample.Clip.OnsetFrame));
            var offset = Image.Read(tree.Manifest.Resolve(sample, sample.Clip.FrameAt(sample.Clip.Offset)));
            var flow = OpticalFlow.TvL1(onset, offset);
            var box = Rectangle.Round(model.Detect(onset).Box);
            double sum = 0;
            var count = 0;
            for (var y = Math.Max(0, box.Top); y < Math.Min(flow.Height, box.Bottom); y++)
                for (var x = Math.Max(0, box.Left); x < Math.Min(flow.Width, box.Right); x++)
                {
                    sum += Math.Sqrt(flow.U(y, x) * flow.U(y, x) + flow.V(y, x) * flow.V(y, x));
                    count++;
                }
            return sum / count;
        }).ToList();
    }

    /// <summary>Per clip: the standard deviation of its frames' mean brightness over their mean.</summary>
    private static List<double> Flicker(SyntheticTree tree) => tree.Manifest.Samples.Select(sample =>
    {
        var means = sample.Clip.Frames.Select(f => Image.Read(tree.Manifest.Resolve(sample, f)).Data.Average(b => (double)b)).ToList();
        var mean = means.Average();
        return Math.Sqrt(means.Sum(m => (m - mean) * (m - mean)) / (means.Count - 1)) / mean;
    }).ToList();

    /// <summary>Across subjects (the onset frame of each one's first clip): the mean distance of their face's mean colour
    /// from the subjects' average, and of their landmarks (placed by the outer eye corners: origin between them, their
    /// distance 1) from the subjects' mean shape, root mean square over the 68 points.</summary>
    private static (double Tone, double Shape) Identities(SyntheticTree tree)
    {
        using var model = FaceModel.Load();
        var faces = tree.Manifest.Samples.GroupBy(s => s.Subject).Select(g => g.First()).Select(sample =>
        {
            var image = Image.Read(tree.Manifest.Resolve(sample, sample.Clip.OnsetFrame));
            var face = model.Detect(image);
            var box = Rectangle.Round(face.Box);
            var colour = new double[3];
            var count = 0;
            for (var y = Math.Max(0, box.Top); y < Math.Min(image.Height, box.Bottom); y++)
                for (var x = Math.Max(0, box.Left); x < Math.Min(image.Width, box.Right); x++, count++)
                    for (var c = 0; c < 3; c++)
                        colour[c] += image[y, x, c];
            var l = face.Landmarks;
            var (centre, eyes) = (new PointF((l[36].X + l[45].X) / 2, (l[36].Y + l[45].Y) / 2), Distance(l[36], l[45]));
            return (Colour: colour.Select(v => v / count).ToArray(), Shape: l.Select(p => ((p.X - centre.X) / eyes, (p.Y - centre.Y) / eyes)).ToArray());
        }).ToList();
        var average = Enumerable.Range(0, 3).Select(c => faces.Average(f => f.Colour[c])).ToArray();
        var tone = faces.Average(f => Math.Sqrt(Enumerable.Range(0, 3).Sum(c => (f.Colour[c] - average[c]) * (f.Colour[c] - average[c]))));
        var meanShape = Enumerable.Range(0, 68).Select(i => (X: faces.Average(f => f.Shape[i].Item1), Y: faces.Average(f => f.Shape[i].Item2))).ToArray();
        var shape = faces.Average(f => Math.Sqrt(Enumerable.Range(0, 68).Average(i =>
            Math.Pow(f.Shape[i].Item1 - meanShape[i].X, 2) + Math.Pow(f.Shape[i].Item2 - meanShape[i].Y, 2))));
        return (tone, shape);
    }

    private static double Distance(PointF a, PointF b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}

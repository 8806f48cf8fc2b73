using MerCluster.Core;

namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Makes a planned micro-expression twin hard, clip by clip, from its own random stream (the plan's timing and names
/// stay as drawn): amplitudes like real micro-expressions, one expression style per subject, head motion and flicker
/// unrelated to the class, and a share of ambiguous clips. The constants are the difficulty's knobs, calibrated so
/// STSTNet's composite UF1 on the demo sweep lands between 0.45 and 0.90 (README: "synthetic twin").
/// </summary>
internal static class HardTwin
{
    /// <summary>Apex amplitude in frame pixels, log-uniform. The pipeline's 224x224 crop enlarges the 240x240 frame's face
    /// about 1.8 times, so this is about 0.27-1.6 px there: sub-pixel to the 1-2 px of the real databases' micro-expressions.</summary>
    public const double MinAmplitude = 0.15;
    public const double MaxAmplitude = 0.9;

    /// <summary>Range of a subject's upper- and lower-face gains, and of its asymmetry.</summary>
    public const double MinGain = 0.3;
    public const double MaxGain = 1.3;
    public const double MaxAsymmetry = 0.35;

    /// <summary>Head translation over a clip, frame pixels (as large as the expression or larger), and roll, degrees.</summary>
    public const double MinDrift = 0.2;
    public const double MaxDrift = 1.5;
    public const double MaxRoll = 0.5;

    /// <summary>Range of the per-frame brightness gain's standard deviation.</summary>
    public const double MinFlicker = 0.005;
    public const double MaxFlicker = 0.03;

    /// <summary>Sensor noise is this many times the easy twin's (0.8-2 grey levels).</summary>
    public const double NoiseFactor = 1.5;

    /// <summary>Share of composite clips mixed with another class's action, and the range of that action's weight (above 1
    /// the other class's action is the stronger one).</summary>
    public const double AmbiguousShare = 0.25;
    public const double MinBlend = 0.6;
    public const double MaxBlend = 1.2;

    /// <summary>The composite classes' motions, grouped by class: an ambiguous clip borrows from another group.</summary>
    private static readonly FacialMotion[][] ClassMotions =
    [
        [FacialMotion.Smile],
        [FacialMotion.BrowLowerLipDepress, FacialMotion.BrowLowerNoseWrinkle],
        [FacialMotion.BrowsUpJawDrop],
    ];

    public static List<PlannedClip> Apply(List<PlannedClip> clips, int seed)
    {
        var styles = new Dictionary<PlannedSubject, ExpressionStyle>();
        ExpressionStyle StyleOf(PlannedSubject subject)
        {
            if (!styles.TryGetValue(subject, out var style))
            {
                var rng = SeedStreams.For(seed, "style " + subject.Id, 0);
                styles[subject] = style = new ExpressionStyle(
                    Uniform(rng, MinGain, MaxGain), Uniform(rng, MinGain, MaxGain), Uniform(rng, -MaxAsymmetry, MaxAsymmetry));
            }
            return style;
        }
        return clips.Select(clip =>
        {
            if (clip.Database == DatabaseIds.CkPlus)
                return clip;
            var rng = SeedStreams.For(seed, "hard " + clip.SampleId, 0);
            var drift = Uniform(rng, MinDrift, MaxDrift);
            var direction = Uniform(rng, 0, 2 * Math.PI);
            var hard = clip with
            {
                Amplitude = ClipFactory.LogUniform(rng, MinAmplitude, MaxAmplitude),
                Style = StyleOf(clip.Subject),
                Head = new HeadMotion(drift * Math.Cos(direction), drift * Math.Sin(direction), Uniform(rng, -MaxRoll, MaxRoll)),
                Flicker = Uniform(rng, MinFlicker, MaxFlicker),
                Noise = NoiseFactor,
            };
            var own = Array.FindIndex(ClassMotions, group => group.Contains(clip.Motion));
            if (clip.Composite && own >= 0 && rng.NextDouble() < AmbiguousShare)
            {
                var others = ClassMotions.Where((_, i) => i != own).SelectMany(group => group).ToArray();
                hard = hard with { Blend = others[rng.Next(others.Length)], BlendWeight = Uniform(rng, MinBlend, MaxBlend) };
            }
            return hard;
        }).ToList();
    }

    private static double Uniform(Random rng, double low, double high) => low + rng.NextDouble() * (high - low);
}

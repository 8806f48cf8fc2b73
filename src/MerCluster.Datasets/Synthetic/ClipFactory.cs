using MerCluster.Core;
namespace MerCluster.Datasets.Synthetic;

/// <summary>Times a clip and chooses its motion: 9-15 frames, apex in the middle third, amplitude 0.5-3.5 px (log-uniform).</summary>
internal static class ClipFactory
{
    public const double MinAmplitude = 0.5;
    public const double MaxAmplitude = 3.5;

    public static PlannedClip Create(PlannedSubject subject, string name, string emotion, bool composite, Random rng)
    {
        var frames = rng.Next(9, 16);
        var apexIndex = Math.Clamp(rng.Next(frames / 3, 2 * frames / 3 + 1), 2, frames - 3);
        var onset = subject.Database switch
        {
            DatabaseIds.Casme2 => rng.Next(1, 250),
            DatabaseIds.Samm => rng.Next(1000, 9000),
            _ => rng.Next(1, 5000),
        };
        var motion = MotionOf(subject.Database, emotion, rng);
        var amplitude = Math.Exp(Math.Log(MinAmplitude) + rng.NextDouble() * (Math.Log(MaxAmplitude) - Math.Log(MinAmplitude)));
        var actionUnits = ActionUnits(motion);
        return new PlannedClip
        {
            Subject = subject,
            Name = name,
            Emotion = emotion,
            Motion = motion,
            ActionUnits = actionUnits,
            Onset = onset,
            FrameCount = frames,
            ApexIndex = apexIndex,
            Amplitude = amplitude,
            Composite = composite,
            SheetApex = onset + apexIndex,
            SheetOffset = onset + frames - 1,
            SheetActionUnits = actionUnits,
        };
    }

    /// <summary>positive = smile; surprise = brows up and jaw drop; negative = brow lowering with lip-corner depression or
    /// nose wrinkle (disgust mostly the latter); the emotions the composite drops get other actions.</summary>
    private static FacialMotion MotionOf(string database, string emotion, Random rng) => (database, emotion.ToLowerInvariant()) switch
    {
        (_, "happiness" or "positive") => FacialMotion.Smile,
        (_, "surprise") => FacialMotion.BrowsUpJawDrop,
        (_, "disgust") => rng.NextDouble() < 0.75 ? FacialMotion.BrowLowerNoseWrinkle : FacialMotion.BrowLowerLipDepress,
        (DatabaseIds.Casme2, "fear" or "sadness") => FacialMotion.InnerBrowRaise,
        (_, "others" or "other") => rng.NextDouble() < 0.5 ? FacialMotion.LipPress : FacialMotion.InnerBrowRaise,
        _ => rng.NextDouble() < 0.7 ? FacialMotion.BrowLowerLipDepress : FacialMotion.BrowLowerNoseWrinkle,
    };

    private static string ActionUnits(FacialMotion motion) => motion switch
    {
        FacialMotion.Smile => "6+12",
        FacialMotion.BrowLowerLipDepress => "4+15",
        FacialMotion.BrowLowerNoseWrinkle => "4+9+10",
        FacialMotion.BrowsUpJawDrop => "1+2+5+26",
        FacialMotion.InnerBrowRaise => "1+15",
        _ => "24",
    };
}

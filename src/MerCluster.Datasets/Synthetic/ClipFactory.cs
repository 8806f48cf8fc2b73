using MerCluster.Core;
namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// Times a clip and chooses its motion. Micro-expressions: 9-15 frames, apex in the middle third, amplitude 0.5-3.5 px
/// (log-uniform; the easy twin's, which <see cref="HardTwin"/> redraws smaller). CK+ macro-expressions: 14-24 frames from neutral (frame 1) to the peak (the last frame), amplitude
/// 5-12 px (log-uniform): the whole lip-corner pull of a posed smile on a face about 120 px wide.
/// </summary>
internal static class ClipFactory
{
    public const double MinAmplitude = 0.5;
    public const double MaxAmplitude = 3.5;

    public const double MinMacroAmplitude = 5;
    public const double MaxMacroAmplitude = 12;

    public static PlannedClip Create(PlannedSubject subject, string name, string emotion, bool composite, Random rng)
    {
        if (subject.Database == DatabaseIds.CkPlus)
            return CreateMacro(subject, name, emotion, composite, rng);
        var frames = rng.Next(9, 16);
        var apexIndex = Math.Clamp(rng.Next(frames / 3, 2 * frames / 3 + 1), 2, frames - 3);
        var onset = subject.Database switch
        {
            DatabaseIds.Casme2 => rng.Next(1, 250),
            DatabaseIds.Samm => rng.Next(1000, 9000),
            _ => rng.Next(1, 5000),
        };
        var motion = MotionOf(subject.Database, emotion, rng);
        var amplitude = LogUniform(rng, MinAmplitude, MaxAmplitude);
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

    private static PlannedClip CreateMacro(PlannedSubject subject, string name, string emotion, bool composite, Random rng)
    {
        var frames = rng.Next(14, 25);
        var motion = MotionOf(subject.Database, emotion, rng);
        var actionUnits = ActionUnits(motion);
        return new PlannedClip
        {
            Subject = subject,
            Name = name,
            Emotion = emotion,
            Motion = motion,
            ActionUnits = actionUnits,
            Onset = 1,
            FrameCount = frames,
            ApexIndex = frames - 1,
            Amplitude = LogUniform(rng, MinMacroAmplitude, MaxMacroAmplitude),
            Composite = composite,
            SheetApex = frames,
            SheetOffset = frames,
            SheetActionUnits = actionUnits,
        };
    }

    public static double LogUniform(Random rng, double low, double high) =>
        Math.Exp(Math.Log(low) + rng.NextDouble() * (Math.Log(high) - Math.Log(low)));

    /// <summary>positive = smile; surprise = brows up and jaw drop; negative = brow lowering with lip-corner depression or
    /// nose wrinkle (disgust mostly the latter); the emotions the composite drops get other actions. CK+: anger lowers the
    /// brows and depresses the lip corners, contempt presses the lips, fear and sadness raise the inner brows.</summary>
    private static FacialMotion MotionOf(string database, string emotion, Random rng) => (database, emotion.ToLowerInvariant()) switch
    {
        (_, "happiness" or "positive" or "happy") => FacialMotion.Smile,
        (DatabaseIds.CkPlus, "anger") => FacialMotion.BrowLowerLipDepress,
        (DatabaseIds.CkPlus, "contempt") => FacialMotion.LipPress,
        (DatabaseIds.CkPlus, "fear" or "sadness") => FacialMotion.InnerBrowRaise,
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

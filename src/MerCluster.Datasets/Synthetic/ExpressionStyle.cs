namespace MerCluster.Datasets.Synthetic;

/// <summary>
/// How one subject expresses every class: gains on the upper face (brows, lids) and lower face (nose, mouth, jaw), and
/// a left-right asymmetry (the subject's right side, image left, moves by 1 - asymmetry, the other by 1 + asymmetry).
/// Real subjects differ this way (some smile with the eyes, some with the mouth alone), so a class's motion pattern
/// varies across the leave-one-subject-out folds.
/// </summary>
public sealed record ExpressionStyle(double Upper, double Lower, double Asymmetry)
{
    /// <summary>Every region at full gain, symmetric: the easy twin.</summary>
    public static readonly ExpressionStyle Neutral = new(1, 1, 0);
}

namespace MerCluster.Core.Metrics;

/// <summary>
/// One class within a subset: true positives, false positives, false negatives and its support <see cref="N"/>
/// (samples whose true label is the class). <see cref="F1"/> is null when the class is neither true nor predicted
/// anywhere in the subset; <see cref="Recall"/> is null when the class has no true sample there. Null entries are
/// left out of UF1 and UAR (see <see cref="ConfusionMatrix"/>), and still listed, so an absent class is visible.
/// </summary>
public sealed record ClassScore(string Class, int Tp, int Fp, int Fn, int N, double? F1, double? Recall);

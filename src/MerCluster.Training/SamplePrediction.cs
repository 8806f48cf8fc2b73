namespace MerCluster.Training;

/// <summary>A held-out sample's predicted class and class probabilities (in the feature set's class order).</summary>
public sealed record SamplePrediction(string SampleId, string Subject, string Database, string Label, string Predicted, float[] Probabilities);

/// <summary>
/// A trained fold: its held-out predictions and the last epoch's training loss; the epoch it resumed at (0: from the
/// start) and, when a checkpoint that could not resume was deleted first, why.
/// </summary>
public sealed record FoldResult(string Model, TrainingFold Fold, IReadOnlyList<SamplePrediction> Predictions, double FinalLoss, int Epochs, int ResumedEpoch = 0,
    string? DiscardedCheckpoint = null);

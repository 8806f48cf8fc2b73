using MerCluster.Core.Metrics;
using MerCluster.Core.Protocols;

namespace MerCluster.Training;

/// <summary>
/// A trained fold: its held-out predictions and the last epoch's training loss; the epoch it resumed at (0: from the
/// start); when a checkpoint that could not resume was deleted first, why; and when the weights it started from (a
/// resumed checkpoint or a mer checkpoint as starting weights) record no training subjects, a line saying that they
/// were not checked against the held-out subjects.
/// </summary>
public sealed record FoldResult(string Model, Fold Fold, IReadOnlyList<SamplePrediction> Predictions, double FinalLoss, int Epochs, int ResumedEpoch = 0,
    string? DiscardedCheckpoint = null, string? SubjectsUnknown = null);

using MerCluster.Core.Features;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// Everything one fold attempt needs: which attempt of which fold, the trial's options (grid values applied), the sweep's features
/// (loaded once per silo), the protocol's split of those features, the device of the silo's slot and its share of
/// the cores (<see cref="Threads"/>, 0: the trial's own setting), the local file of the fold's training checkpoint
/// (<see cref="Checkpoint"/>: holding what an earlier attempt saved, if any, so a fold taken over resumes; null: none)
/// and what to call after each checkpoint written there (<see cref="CheckpointSaved"/>: it goes to the artifact store, at
/// <see cref="CheckpointLocation"/>, the place messages name),
/// where it says what it did beyond the fold's outcome (<see cref="Log"/>), where it reports each finished epoch (<see cref="Epochs"/>),
/// and what to call when it carries on from the checkpoint at an epoch (<see cref="Resumed"/>).
/// </summary>
public sealed record FoldJob(FoldAttemptKey Attempt, SweepOptions Options, string OptionsSource, FeatureSet Features, IEvaluationProtocol Protocol, Fold Fold, string Device,
    int Threads = 0, string? Checkpoint = null, Action<string>? Log = null, Action<int, int>? Epochs = null, Action<string>? CheckpointSaved = null,
    string? CheckpointLocation = null, Action<int>? Resumed = null);

/// <summary>One attempt of one fold: every write about the fold names all of these, and every log line its fold id (what `mer status --events --fold` takes).</summary>
public sealed record FoldAttemptKey(string SweepId, long TrialId, long FoldId, string HeldOutSubject, int Attempt, string Silo)
{
    public override string ToString() => $"fold {FoldId} ({HeldOutSubject}) of trial {TrialId} (sweep {SweepId}, attempt {Attempt})";
}

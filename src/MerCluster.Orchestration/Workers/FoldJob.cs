using MerCluster.Core.Features;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;

namespace MerCluster.Orchestration.Workers;

/// <summary>
/// Everything one fold attempt needs: the lease, the trial's options (grid values applied), the sweep's features
/// (loaded once per worker process), the protocol's split of those features, the worker's device and its share of
/// the cores (<see cref="Threads"/>, 0: the trial's own setting), where the fold keeps its training checkpoint
/// (<see cref="Checkpoint"/>: the same path for every attempt, so a fold taken over resumes; null: none) and where it
/// says what it did beyond the fold's outcome (<see cref="Log"/>).
/// </summary>
public sealed record FoldJob(FoldLease Lease, SweepOptions Options, string OptionsSource, FeatureSet Features, IEvaluationProtocol Protocol, Fold Fold, string Device,
    int Threads = 0, string? Checkpoint = null, Action<string>? Log = null);

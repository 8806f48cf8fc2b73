using MerCluster.Core.Grids;
using MerCluster.Core.Protocols;

namespace MerCluster.Orchestration.Reports;

/// <summary>
/// Everything a report shows about a sweep, loaded from the store: the protocol's classes and parts (report order)
/// and one entry per trial in expansion order. The renderers are pure functions of this record.
/// </summary>
public sealed record SweepReport(string Sweep, IReadOnlyList<string> Classes, IReadOnlyList<string> Parts, IReadOnlyList<TrialReport> Trials);

/// <summary>
/// One grid point's outcome: its scores pooled over the folds done so far (null before any fold is done) and the
/// folds that failed for good.
/// </summary>
public sealed record TrialReport(GridTrial Trial, ProtocolScore? Score, IReadOnlyList<FailedFold> FailedFolds)
{
    /// <summary>Held-out subject -> how often its fold was interrupted (silo killed, stopped, preempted); folds never interrupted are left out.</summary>
    public IReadOnlyDictionary<string, int> Interruptions { get; init; } = new Dictionary<string, int>();

    public int InterruptionsOf(string fold) => Interruptions.GetValueOrDefault(fold);
}

/// <summary>A fold that used up its attempts, with the error of the last one.</summary>
public sealed record FailedFold(string Fold, int Attempts, string Error);

public enum ReportFormat
{
    Md,
    Csv,
    Json,
    Latex,
}

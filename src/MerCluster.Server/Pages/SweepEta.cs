using MerCluster.Orchestration.Store;

namespace MerCluster.Server.Pages;

/// <summary>
/// The time a sweep still needs, as `mer status` estimates it: the folds left, run as many at a time as run now, times
/// the mean time of the folds done so far. Null once the sweep has finished.
/// </summary>
public static class SweepEta
{
    public static string? Text(string state, FoldCounts folds, double? meanFoldSeconds)
    {
        if (state != SweepStates.Running)
            return null;
        if (meanFoldSeconds is not { } mean)
            return "after the first fold";
        if (folds.Running == 0)
            return "when a slot is free";
        var left = TimeSpan.FromSeconds(Math.Ceiling((double)(folds.Pending + folds.Running) / folds.Running) * mean);
        return $"{(int)left.TotalHours}:{left:mm\\:ss}";
    }
}

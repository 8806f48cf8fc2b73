namespace MerCluster.Orchestration.Store;

/// <summary>The states of a fold: pending -> running -> done, or back to pending when an attempt ends without a result, or failed after the sweep's max attempts or max interruptions.</summary>
public static class FoldStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>
/// How an attempt ended without a result, as fold_attempts.outcome records it: <see cref="Failed"/> (the fold's own work
/// threw: data, model, out of memory) counts toward <c>max_attempts</c>; <see cref="Interrupted"/> (its silo died,
/// stopped or was preempted) toward <c>max_interruptions</c>; <see cref="Cancelled"/> (with its sweep) toward neither.
/// </summary>
public enum AttemptEnd
{
    Failed,
    Interrupted,
    Cancelled,
}

/// <summary>A sweep is running until every fold of every trial is done or failed, then complete.</summary>
public static class SweepStates
{
    public const string Running = "running";
    public const string Complete = "complete";
}

public sealed record SweepRecord
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string Yaml { get; init; } = "";
    /// <summary>The directory relative paths of the sweep file resolve against.</summary>
    public string SourceDir { get; init; } = "";
    /// <summary>The sweep's samples (FeatureSample list as JSON) at submission, so the protocol can be rebuilt from the store alone.</summary>
    public string SamplesJson { get; init; } = "[]";
    public int MaxAttempts { get; init; }
    public int MaxInterruptions { get; init; }
    public string State { get; init; } = "";
    public long CreatedAt { get; init; }
}

/// <summary>One grid point of a sweep; <see cref="GridJson"/> holds its values as a JSON object of dotted key -> value.</summary>
public sealed record TrialRecord
{
    public long Id { get; init; }
    public string SweepId { get; init; } = "";
    public int Ordinal { get; init; }
    public string Label { get; init; } = "";
    public string GridJson { get; init; } = "{}";
    public string State { get; init; } = "";
}

public sealed record FoldRecord
{
    public long Id { get; init; }
    public long TrialId { get; init; }
    public string HeldOutSubject { get; init; } = "";
    public string State { get; init; } = "";
    public int Attempt { get; init; }
    /// <summary>Attempts that failed of their own accord (an exception from the fold's work); <c>max_attempts</c> caps them.</summary>
    public int Failures { get; init; }
    /// <summary>Attempts cut short from outside (the silo died, stopped, or was preempted); <c>max_interruptions</c> caps them.</summary>
    public int Interruptions { get; init; }
    /// <summary>The silo of the fold's latest attempt.</summary>
    public string? Silo { get; init; }
    public string? LastError { get; init; }
}

/// <summary>A stored prediction with the fold and attempt that wrote it.</summary>
public sealed record StoredPrediction
{
    public long FoldId { get; init; }
    public int Attempt { get; init; }
    public string SampleId { get; init; } = "";
    public string Subject { get; init; } = "";
    public string DatabaseId { get; init; } = "";
    public string Label { get; init; } = "";
    public string Predicted { get; init; } = "";
    public string ProbabilitiesJson { get; init; } = "[]";
}

/// <summary>How far one trial is: its folds counted by state.</summary>
public sealed record TrialProgress
{
    public long TrialId { get; init; }
    public int Ordinal { get; init; }
    public string Label { get; init; } = "";
    public string State { get; init; } = "";
    public int Pending { get; init; }
    public int Running { get; init; }
    public int Done { get; init; }
    public int Failed { get; init; }
    /// <summary>Folds interrupted at least once (whatever their state now).</summary>
    public int Interrupted { get; init; }
    /// <summary>Interruptions of all its folds together.</summary>
    public int Interruptions { get; init; }
    public int Total => Pending + Running + Done + Failed;
    public bool Finished => Pending == 0 && Running == 0;
}

/// <summary>Pooled scores of a trial for one part: "overall" or a database id.</summary>
public sealed record TrialResult
{
    public long TrialId { get; init; }
    public string Part { get; init; } = "";
    public double? Uf1 { get; init; }
    public double? Uar { get; init; }
    public double? Acc { get; init; }
    public int N { get; init; }
}

public sealed record FoldScoreRecord
{
    public long FoldId { get; init; }
    public double? Uf1 { get; init; }
    public double? Uar { get; init; }
    public double? Acc { get; init; }
    public int N { get; init; }
}

using MerCluster.Core.Metrics;

namespace MerCluster.Orchestration.Grains;

/// <summary>What a fold grain answers to <see cref="IFoldGrain.Start"/>.</summary>
[GenerateSerializer]
public enum FoldStart
{
    /// <summary>An attempt started on this silo; the call returned at once and training runs in the background.</summary>
    Started,

    /// <summary>An attempt was already running.</summary>
    Running,

    /// <summary>The silo it was placed on has no free slot: it stays pending and waits for one.</summary>
    NoSlot,

    /// <summary>Done or failed for good: nothing to start.</summary>
    Finished,
}

/// <summary>A sweep as its grain sees it: the state of every fold of every trial, the pooled scores so far, and the silo the sweep grain runs on.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepStatus(string SweepId, string State, IReadOnlyList<TrialStatus> Trials, double? MeanFoldSeconds, string Silo)
{
    public int Pending => Trials.Sum(t => t.Pending);
    public int Running => Trials.Sum(t => t.Running);
    public int Done => Trials.Sum(t => t.Done);
    public int Failed => Trials.Sum(t => t.Failed);
    public int Total => Trials.Sum(t => t.Total);

    /// <summary>Every fold is done or failed, or the sweep was cancelled.</summary>
    public bool Finished => State != Store.SweepStates.Running;
}

[GenerateSerializer, Immutable]
public sealed record TrialStatus(long TrialId, string Label, int Pending, int Running, int Done, int Failed, double? Uf1, double? Uar)
{
    public int Total => Pending + Running + Done + Failed;
}

/// <summary>Told by a sweep grain whenever one of its folds changes state, and once when the sweep ends.</summary>
public interface ISweepObserver : IGrainObserver
{
    void Changed(SweepStatus status);
}

/// <summary>How <see cref="SamplePrediction"/> (a Core type, free of Orleans) crosses the wire.</summary>
[GenerateSerializer]
public struct SamplePredictionSurrogate
{
    [Id(0)] public string SampleId;
    [Id(1)] public string Subject;
    [Id(2)] public string Database;
    [Id(3)] public string Label;
    [Id(4)] public string Predicted;
    [Id(5)] public double[] Probabilities;
}

[RegisterConverter]
public sealed class SamplePredictionConverter : IConverter<SamplePrediction, SamplePredictionSurrogate>
{
    public SamplePrediction ConvertFromSurrogate(in SamplePredictionSurrogate surrogate) =>
        new(surrogate.SampleId, surrogate.Subject, surrogate.Database, surrogate.Label, surrogate.Predicted, surrogate.Probabilities);

    public SamplePredictionSurrogate ConvertToSurrogate(in SamplePrediction value) => new()
    {
        SampleId = value.SampleId, Subject = value.Subject, Database = value.Database, Label = value.Label, Predicted = value.Predicted,
        Probabilities = value.Probabilities.ToArray(),
    };
}

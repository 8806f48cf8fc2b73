namespace MerCluster.Training;

/// <summary>What kind of training failure: a bad argument or setting, an unreadable or unfitting file, a cancel, anything else.</summary>
public enum TrainingStatus
{
    Ok = 0,
    Argument = 1,
    Io = 2,
    Cancelled = 3,
    Internal = 4,
}

/// <summary>A failed training call, naming what was being done (model, fold, key, file).</summary>
public sealed class TrainingException(TrainingStatus status, string message) : Exception(message)
{
    public TrainingStatus Status { get; } = status;
}

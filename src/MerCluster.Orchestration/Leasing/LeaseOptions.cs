using System.ComponentModel.DataAnnotations;

namespace MerCluster.Orchestration.Leasing;

/// <summary>
/// How folds are leased: the <c>leasing:</c> section of a sweep file, and the defaults of <c>mer worker</c>.
/// A worker renews its lease every <see cref="HeartbeatInterval"/>; a lease not renewed for <see cref="LeaseDuration"/>
/// (the worker died or lost the store) ends, and the fold goes to another worker, up to <see cref="MaxAttempts"/>.
/// </summary>
public sealed record LeaseOptions : IValidatableObject
{
    /// <summary>Long enough to ride out a store hiccup or a GC pause, short enough that a dead worker's fold restarts within a minute.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>Six renewals per lease: a worker must miss several in a row before it loses its fold.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>A fold that fails three times fails for a reason of its own (bad data, a bug), not bad luck.</summary>
    public const int DefaultMaxAttempts = 3;

    public TimeSpan LeaseDuration { get; init; } = DefaultLeaseDuration;

    public TimeSpan HeartbeatInterval { get; init; } = DefaultHeartbeatInterval;

    [Range(1, 100)]
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
            yield return new ValidationResult("must be positive", [nameof(HeartbeatInterval)]);
        else if (HeartbeatInterval * 2 > LeaseDuration)
            yield return new ValidationResult(
                $"must be at most half of lease_duration ({LeaseDuration.TotalSeconds:0.###} s), so one late renewal does not lose the lease",
                [nameof(HeartbeatInterval)]);
    }
}

using MerCluster.Orchestration.Leasing;

namespace MerCluster.Orchestration.Workers;

/// <summary>One worker's settings: its name in the membership table, its device, how it leases, and when it stops.</summary>
public sealed record WorkerOptions
{
    /// <summary>How long an idle worker waits before asking for work again.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);

    public string Name { get; init; } = DefaultName("cpu");

    /// <summary><c>cpu</c> or <c>cuda:N</c>; handed to the trainer as it is.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Training threads per fold (the in-process workers of one machine share its cores); 0: the sweep's train.threads.</summary>
    public int Threads { get; init; }

    public LeaseOptions Lease { get; init; } = new();

    /// <summary>
    /// Where folds keep their training checkpoints, one per fold (SWEEP/trial-ID/SUBJECT.ckpt), deleted once the fold
    /// is done. A fold whose worker died or was stopped resumes from its last saved epoch on whichever worker leases it
    /// next, if that worker sees the same directory (a shared filesystem across machines). Null: no checkpoints; an
    /// interrupted fold starts again at epoch 0.
    /// </summary>
    public string? Checkpoints { get; init; }

    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>Stop once no fold is pending or leased (instead of waiting for new sweeps).</summary>
    public bool ExitWhenIdle { get; init; }

    /// <summary>Only take folds of this sweep (the in-process workers of <c>mer sweep run</c>); null: any running sweep.</summary>
    public string? SweepId { get; init; }

    /// <summary><c>host-pid-device</c>: unique per process and device, and says where to look for the process.</summary>
    public static string DefaultName(string device, int index = 0) =>
        $"{Environment.MachineName}-{Environment.ProcessId}-{device.Replace(":", "")}" + (index > 0 ? $"-{index}" : "");
}

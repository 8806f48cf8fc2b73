using System.ComponentModel.DataAnnotations;

namespace MerCluster.Datasets.Synthetic;

/// <summary>What `mer datasets synth` writes.</summary>
public sealed record SynthOptions
{
    public int Seed { get; init; } = 1;

    public SynthScale Scale { get; init; } = SynthScale.Full;

    public SynthMode Mode { get; init; } = SynthMode.Micro;

    /// <summary>Hard (the default: like the real databases) or easy (clearly separable, for fast tests); micro mode only.</summary>
    public SynthDifficulty Difficulty { get; init; } = SynthDifficulty.Hard;

    /// <summary>Inject the real sheets' defects (see <see cref="SheetDefect"/>).</summary>
    public bool Defects { get; init; }

    /// <summary>Render frames; when false every frame file is written empty (the loaders read names, never pixels), which
    /// makes a full-scale tree in a second for tests of the manifest.</summary>
    public bool Pixels { get; init; } = true;

    /// <summary>Clips rendered at once; each clip has its own random stream, so the output does not depend on it.</summary>
    [Range(1, 256)]
    public int Threads { get; init; } = Environment.ProcessorCount;
}

using System.ComponentModel.DataAnnotations;

namespace MerCluster.Training;

/// <summary>
/// How one fold is trained (the YAML <c>train:</c> section, snake_case keys; a checkpoint stores it as JSON). The
/// defaults are generic, each model's seed settings live in configs/models/NAME.yaml.
/// </summary>
public sealed record TrainOptions
{
    [AllowedValues("adam", "adamw", "sgd")]
    public string Optimizer { get; init; } = "adam";

    [Range(0.0, 10.0)]
    public double LearningRate { get; init; } = 1e-4;

    [Range(0.0, 10.0)]
    public double WeightDecay { get; init; }

    /// <summary>SGD only.</summary>
    [Range(0.0, 1.0)]
    public double Momentum { get; init; } = 0.9;

    /// <summary>none, or cosine: the learning rate falls per epoch to 0 at the last epoch.</summary>
    [AllowedValues("none", "cosine")]
    public string Schedule { get; init; } = "none";

    [Range(0, 1_000_000)]
    public int Epochs { get; init; } = 10;

    [Range(1, 1 << 20)]
    public int BatchSize { get; init; } = 32;

    [Range(0L, 1L << 53)]
    public long Seed { get; init; }

    /// <summary>Intra-op threads of libtorch; 0 = one per core. Results are reproducible for a fixed seed and thread count.</summary>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>cpu, cuda or cuda:N; a CUDA device where libtorch has none is an error.</summary>
    [Required]
    public string Device { get; init; } = "cpu";

    /// <summary>Augmentation: rotation uniform in [-d, d] degrees; 0 = off.</summary>
    [Range(0.0, 180.0)]
    public double RotationDegrees { get; init; }

    /// <summary>Augmentation: mirror half of the samples.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Augmentation: zoom uniform in [1-s, 1+s]; 0 = off.</summary>
    [Range(0.0, 0.9)]
    public double ScaleJitter { get; init; }

    /// <summary>
    /// Augmentation, "pixel fine-tuning" (MobileViT-SVM, seed 004): the probability that a training image gets it; 0 =
    /// off. Such an image has every pixel shifted by its own offset, uniform in [-<see cref="PixelJitter"/>, +<see cref="PixelJitter"/>].
    /// </summary>
    [Range(0.0, 1.0)]
    public double PixelJitterProbability { get; init; }

    /// <summary>The largest pixel offset of <see cref="PixelJitterProbability"/>, in the input's units (a 0..1 gray image: 20 gray levels are 20/255).</summary>
    [Range(0.0, 1e6)]
    public double PixelJitter { get; init; }

    /// <summary>Draw each epoch's samples with probability inversely proportional to their class's size.</summary>
    public bool ClassBalanced { get; init; }

    /// <summary>Epochs between checkpoints while training (when a checkpoint path is given); 0 = only at the end.</summary>
    [Range(0, 1_000_000)]
    public int CheckpointEvery { get; init; }
}

using System.ComponentModel.DataAnnotations;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Features;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// A sweep file (configs/sweeps/*.yaml): what to train on, which model with which training settings, the grid of
/// values to try, how to evaluate, and how many attempts a fold gets. <c>model</c> and <c>train</c> stay raw YAML here: the
/// fold runner of the model binds them, after the trial's grid values are applied.
/// </summary>
public sealed record SweepOptions : IValidatableObject
{
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = "must be letters, digits, '.', '_' or '-'")]
    public string Name { get; init; } = "";

    public string? Description { get; init; }

    /// <summary>A feature-set directory (featureset.json + samples.csv + .npy), relative to the sweep file. Without it,
    /// <see cref="Dataset"/> and <see cref="Pipeline"/> say how to compute one, which submission does once.</summary>
    public string? Features { get; init; }

    /// <summary>The databases to preprocess, when <see cref="Features"/> is not given.</summary>
    public DatasetOptions? Dataset { get; init; }

    /// <summary>The preprocessing of <see cref="Dataset"/>: a name under configs/pipelines/ or a file.</summary>
    public string? Pipeline { get; init; }

    /// <summary>The model: <c>name</c> picks the registry entry (or <c>noop</c>, the orchestration benchmark's fixture), the rest configures it.</summary>
    public YamlMappingNode Model { get; init; } = new();

    /// <summary>Training settings handed to the trainer as they are.</summary>
    public YamlMappingNode Train { get; init; } = new();

    /// <summary>Dotted config keys to lists of values; every combination is one trial.</summary>
    public YamlNode? Grid { get; init; }

    public ProtocolOptions Protocol { get; init; } = new();

    /// <summary>Attempts a fold gets before it is failed with its last error; only an exception from the fold's own work
    /// (data, model, out of memory) uses one up, not its silo dying or stopping (see <see cref="MaxInterruptions"/>).
    /// Three: a fold that fails three times fails for a reason of its own (bad data, a bug), not bad luck.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    public const int DefaultMaxAttempts = 3;

    /// <summary>Interruptions a fold survives (its silo killed, stopped or preempted; each resumes from its checkpoint)
    /// before it is failed as one that brings its silo down every time. Twenty: far more than a preemptible pool takes
    /// from a good fold, far fewer than a fold that kills its silo on every try would cost the cluster.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 10000)]
    public int MaxInterruptions { get; init; } = DefaultMaxInterruptions;

    public const int DefaultMaxInterruptions = 20;

    [YamlDotNet.Serialization.YamlIgnore]
    public string ModelName => Model.Children.TryGetValue(new YamlScalarNode("name"), out var name) && name is YamlScalarNode { Value: { } value } ? value : "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(Features) && (Dataset is null || string.IsNullOrEmpty(Pipeline)))
            yield return new ValidationResult("is required unless both 'dataset' and 'pipeline' are given: the feature-set directory the folds train on", [nameof(Features)]);
        if (ModelName.Length == 0)
            yield return new ValidationResult("needs a 'name' (e.g. ststnet)", [nameof(Model)]);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace MerCluster.Training;

/// <summary>One input a model takes, per sample [C, H, W].</summary>
public sealed record ModelInput(string Name, string Description, int[] Shape)
{
    internal static ModelInput Of(Torch.InputSpec spec) => new(spec.Name, spec.Description, spec.Shape.Select(d => (int)d).ToArray());
}

/// <summary>A per-sample activation shape recorded during one forward pass.</summary>
public sealed record LayerShape(string Name, int[] Shape);

/// <summary>A registered model: what it is, what it takes and its settings with their defaults.</summary>
public sealed record ModelInfo(string Name, string Summary, IReadOnlyList<ModelInput> Inputs, JsonObject Defaults);

/// <summary>
/// One optimizer parameter group: its parameter count, the learning rate of the epoch run last (the starting rate
/// before any) and whether the train section's schedule scales it.
/// </summary>
public sealed record OptimizerGroup(string Name, long Parameters, double LearningRate, bool Scheduled);

/// <summary>A built model as its trainer describes it.</summary>
public sealed record ModelDescription(
    string Model,
    JsonObject ModelConfig,
    JsonObject TrainConfig,
    int Epoch,
    int Classes,
    long Parameters,
    int FeatureSize,
    int Threads,
    IReadOnlyList<ModelInput> Inputs,
    IReadOnlyList<LayerShape> Shapes)
{
    /// <summary>The optimizer's groups: one, "all", unless the model trains parts at their own rates (FRL-DGT's DGM).</summary>
    public IReadOnlyList<OptimizerGroup> ParameterGroups { get; init; } = [];

    /// <summary>
    /// Whether the train section's <c>learning_rate</c> reaches any parameter group: false when every group trains at a
    /// rate of its own model setting (FRL-DGT's <c>dgm_learning_rate</c>, <c>fusion_learning_rate</c>).
    /// </summary>
    public bool UsesTrainLearningRate { get; init; } = true;

    /// <summary>Why the train section's <c>learning_rate</c> does nothing for this model; null when some group trains at it.</summary>
    public string? UnusedLearningRate => UsesTrainLearningRate ? null : LearningRateUnused(Model, ParameterGroups.Select(g => g.Name));

    internal static string LearningRateUnused(string model, IEnumerable<string> groups) =>
        $"train.learning_rate does not reach model {model}: each of its parameter groups ({string.Join(", ", groups)}) trains at a rate of its own model setting";

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public int[] ShapeOf(string layer) =>
        Shapes.FirstOrDefault(s => s.Name == layer)?.Shape ?? throw new KeyNotFoundException($"model {Model} records no layer '{layer}'");
}

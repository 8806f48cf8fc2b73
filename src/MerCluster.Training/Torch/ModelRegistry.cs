using System.Reflection;
using System.Text.Json.Nodes;

namespace MerCluster.Training.Torch;

/// <summary>
/// The model registry, timm-style: <see cref="List"/> and <see cref="Create"/> are the only entry points. Every class
/// of this assembly marked <see cref="ModelAttribute"/> is a model.
/// </summary>
public static class ModelRegistry
{
    private sealed record Entry(string Name, string Summary, ConstructorInfo Build);

    private static readonly Lazy<IReadOnlyList<Entry>> Entries = new(() => typeof(ModelRegistry).Assembly.GetTypes()
        .Select(type => (type, attribute: type.GetCustomAttribute<ModelAttribute>()))
        .Where(t => t.attribute is not null)
        .Select(t => new Entry(t.attribute!.Name, t.attribute.Summary,
            t.type.GetConstructor([typeof(ModelSettings)]) ?? throw new InvalidOperationException($"model class {t.type.Name} has no constructor taking ModelSettings")))
        .OrderBy(e => e.Name, StringComparer.Ordinal)
        .ToList());

    public static IReadOnlyList<string> Names => Entries.Value.Select(e => e.Name).ToList();

    /// <summary>Each registered model with its inputs and its settings at their defaults (built once to read them).</summary>
    public static IReadOnlyList<ModelInfo> List() => Entries.Value.Select(entry =>
    {
        using var model = Create(entry.Name, new Dictionary<string, string>(), out var defaults);
        return new ModelInfo(entry.Name, entry.Summary, model.Inputs.Select(ModelInput.Of).ToList(), defaults);
    }).ToList();

    public static string Summary(string name) => Find(name).Summary;

    /// <summary>Builds <paramref name="name"/> from its settings; an unknown name or key, or a bad value, names it.</summary>
    public static RecognitionModel Create(string name, IReadOnlyDictionary<string, string> settings, out JsonObject resolved)
    {
        var reader = new ModelSettings(name, settings);
        RecognitionModel model;
        try
        {
            model = (RecognitionModel)Find(name).Build.Invoke([reader]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        try
        {
            // Every model's starting weights: one setting, loaded by the trainer (Torch/WeightsFile.cs).
            reader.Text(WeightsFile.Setting, "");
            reader.Finish();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        resolved = reader.Resolved;
        return model;
    }

    private static Entry Find(string name) => Entries.Value.FirstOrDefault(e => e.Name == name)
        ?? throw new TrainingException(TrainingStatus.Argument, $"unknown model '{name}' (registered: {string.Join(", ", Entries.Value.Select(e => e.Name))})");
}

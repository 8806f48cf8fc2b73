namespace MerCluster.Training.Torch;

/// <summary>
/// Registers a <see cref="RecognitionModel"/> under <paramref name="name"/> (the YAML <c>model.name</c>) with a one-line
/// summary. The class needs a public constructor taking <see cref="ModelSettings"/>; adding a model is one file.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute(string name, string summary) : Attribute
{
    public string Name { get; } = name;
    public string Summary { get; } = summary;
}

namespace MerCluster.Training;

/// <summary>
/// Which registered model to build and its settings (the YAML <c>model:</c> section). The settings are the model's
/// own keys (e.g. MJFN's <c>fusion</c>, <c>joint_modules</c>; `mer models list` shows them with their defaults) and
/// <c>weights</c>; the model reads and checks them as it is built, so an unknown key or a bad value fails naming the key.
/// </summary>
public sealed record ModelOptions
{
    public required string Name { get; init; }

    /// <summary>Model keys to values as YAML writes them: <c>true</c>/<c>false</c> and numbers keep their type, anything else is text.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

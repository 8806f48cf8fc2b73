using System.Globalization;
using System.Text.Json.Nodes;

namespace MerCluster.Training;

/// <summary>
/// Which registered model to build and its settings (the YAML <c>model:</c> section). The settings are the model's
/// own keys (e.g. MJFN's <c>fusion</c>, <c>joint_modules</c>; `mer models list` shows them with their defaults);
/// the native registry checks them, so an unknown key or a bad value fails naming the key.
/// </summary>
public sealed record ModelOptions
{
    public required string Name { get; init; }

    /// <summary>Model keys to values as YAML writes them: <c>true</c>/<c>false</c> and numbers keep their type, anything else is text.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The settings as the JSON object the native registry reads.</summary>
    public string SettingsJson()
    {
        var json = new JsonObject();
        foreach (var (key, text) in Settings)
            json[key] = text switch
            {
                "true" => JsonValue.Create(true),
                "false" => JsonValue.Create(false),
                _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
                _ => JsonValue.Create(text),
            };
        return json.ToJsonString();
    }
}

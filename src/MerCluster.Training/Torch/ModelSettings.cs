using System.Globalization;
using System.Text.Json.Nodes;

namespace MerCluster.Training.Torch;

/// <summary>
/// A model's settings read key by key in its constructor: each value is checked where it is read, and a key no reader
/// asked for is an error (<see cref="Finish"/>), both naming the key, so a typo in a YAML file surfaces as
/// "unknown key 'dropuot'". <see cref="Resolved"/> holds the settings as read, defaults included.
/// </summary>
public sealed class ModelSettings(string model, IReadOnlyDictionary<string, string> values)
{
    private readonly HashSet<string> _read = [];

    public string Model { get; } = model;

    public JsonObject Resolved { get; } = [];

    public double Number(string key, double fallback, double min, double max)
    {
        var value = Take(key) is { } text
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : throw Fail(key, $"must be a number, got '{text}'")
            : fallback;
        if (!(value >= min && value <= max))
            throw Fail(key, FormattableString.Invariant($"must be in [{min}, {max}], got {value}"));
        Resolved[key] = value;
        return value;
    }

    public int Integer(string key, int fallback, int min, int max)
    {
        var value = fallback;
        if (Take(key) is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                throw Fail(key, $"must be a whole number, got '{text}'");
            if (n != Math.Floor(n))
                throw Fail(key, $"must be a whole number, got {text}");
            if (n < min || n > max)
                throw Fail(key, $"must be in [{min}, {max}], got {text}");
            value = (int)n;
        }
        if (value < min || value > max)
            throw Fail(key, $"must be in [{min}, {max}], got {value}");
        Resolved[key] = value;
        return value;
    }

    /// <summary>A whole number beyond int's range (step counts).</summary>
    public long Long(string key, long fallback, long min, long max)
    {
        var value = Number(key, fallback, min, max);
        if (value != Math.Floor(value))
            throw Fail(key, FormattableString.Invariant($"must be a whole number, got {value}"));
        Resolved[key] = (long)value;
        return (long)value;
    }

    public bool Boolean(string key, bool fallback)
    {
        var value = Take(key) switch
        {
            null => fallback,
            "true" => true,
            "false" => false,
            var text => throw Fail(key, $"must be true or false, got '{text}'"),
        };
        Resolved[key] = value;
        return value;
    }

    public string Choice(string key, string fallback, params string[] allowed)
    {
        var value = Text(key, fallback);
        return allowed.Contains(value) ? value : throw Fail(key, $"must be one of {string.Join(", ", allowed)}, got '{value}'");
    }

    public string Text(string key, string fallback)
    {
        var value = Take(key) ?? fallback;
        Resolved[key] = value;
        return value;
    }

    /// <summary>An error about these settings as a whole (keys that must agree), worded like the reader's own.</summary>
    public TrainingException Invalid(string why) => new(TrainingStatus.Argument, $"model '{Model}' config: {why}");

    /// <summary>Throws for the first key nobody read; the registry calls it once the model is built.</summary>
    public void Finish()
    {
        foreach (var key in values.Keys)
            if (!_read.Contains(key))
                throw new TrainingException(TrainingStatus.Argument,
                    $"model '{Model}' config: unknown key '{key}' (known keys: {string.Join(", ", _read.Order(StringComparer.Ordinal))})");
    }

    private string? Take(string key)
    {
        _read.Add(key);
        return values.TryGetValue(key, out var text) ? text : null;
    }

    private TrainingException Fail(string key, string why) => Invalid($"key '{key}' {why}");
}

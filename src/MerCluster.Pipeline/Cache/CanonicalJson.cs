using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// One text per value, whatever the property order, culture or number spelling: objects with keys sorted ordinally,
/// no whitespace, integers as integers, other numbers in round-trip invariant form, enums as their names.
/// Feature keys hash this text, so two runs (or two machines) agree on a step's parameters.
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads a value back from its canonical text (how pipeline options travel between silos).</summary>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"empty {typeof(T).Name} in canonical JSON");

    public static string Serialize(object? value)
    {
        var element = JsonSerializer.SerializeToElement(value, value?.GetType() ?? typeof(object), Options);
        var sb = new StringBuilder();
        Write(element, sb);
        return sb.ToString();
    }

    private static void Write(JsonElement element, StringBuilder sb)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                        sb.Append(',');
                    first = false;
                    sb.Append(JsonSerializer.Serialize(property.Name)).Append(':');
                    Write(property.Value, sb);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (i++ > 0)
                        sb.Append(',');
                    Write(item, sb);
                }
                sb.Append(']');
                break;
            case JsonValueKind.Number:
                sb.Append(element.TryGetInt64(out var integer)
                    ? integer.ToString(CultureInfo.InvariantCulture)
                    : CanonicalReal(element.GetDouble()));
                break;
            case JsonValueKind.String:
                sb.Append(JsonSerializer.Serialize(element.GetString()));
                break;
            default:
                sb.Append(element.GetRawText());
                break;
        }
    }

    private static string CanonicalReal(double value)
        => value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
}

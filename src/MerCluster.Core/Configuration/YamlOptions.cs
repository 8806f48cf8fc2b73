using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace MerCluster.Core.Configuration;

/// <summary>
/// Binds YAML to typed options and validates them once, at start-up.
///
/// Convention for options types (one way, for every layer):
/// <list type="bullet">
/// <item>A class or record with a public parameterless constructor and public <c>init</c> (or <c>set</c>) properties whose
/// initialisers are the documented defaults: <c>public sealed record TrainOptions { [Range(1e-6, 1)] public double
/// LearningRate { get; init; } = 1e-3; }</c>. Positional records (primary constructors) are not bound.</item>
/// <item>YAML keys are the snake_case of the property names (<c>learning_rate</c>); <c>[YamlMember(Alias = "...")]</c>
/// overrides a key, <c>[YamlIgnore]</c> hides a property. A key that matches no property is an error.</item>
/// <item>Property types: string, bool, integers, float/double/decimal, enums (value names in snake_case), TimeSpan
/// (<c>30s</c>, <c>500ms</c>, <c>5m</c>, <c>2h</c>, <c>1d</c> or <c>hh:mm:ss</c>), Nullable&lt;T&gt;, nested options
/// types, arrays/List/IReadOnlyList of any of these, Dictionary/IReadOnlyDictionary with string keys, and
/// <see cref="YamlNode"/> (or a subclass) to receive the raw node.</item>
/// <item>Quoted scalars are text: <c>epochs: "10"</c> is a wrong type for an int. <c>null</c>/<c>~</c> is only accepted
/// by nullable properties. A C# <c>required</c> property must be present.</item>
/// <item>A nested section starts from a copy of the parent's default value for it, so
/// <c>public ResizeOptions FlowUvs { get; init; } = new() { Size = 28 };</c> keeps 28 when the YAML gives only other keys.</item>
/// <item>Validation: System.ComponentModel.DataAnnotations attributes on properties ([Range], [Required],
/// [MinLength]...), then class-level attributes and <see cref="IValidatableObject"/>. Nested options objects are
/// validated too, also when they keep their defaults.</item>
/// </list>
/// Every problem is a <see cref="ConfigException"/> naming the source, the dotted key path and the line.
/// </summary>
public static class YamlOptions
{
    /// <summary>Reads <paramref name="path"/> and binds its top-level mapping to a new <typeparamref name="T"/>.</summary>
    public static T Load<T>(string path) where T : class => (T)Load(typeof(T), path);

    public static object Load(Type type, string path) => Bind(type, ReadMapping(path), path);

    /// <summary>Parses a YAML file whose document is a mapping (an empty file is an empty mapping).</summary>
    public static YamlMappingNode ReadMapping(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, "", 0, $"cannot read the file: {e.Message}", e);
        }
        return ParseMapping(text, path);
    }

    /// <summary>Parses YAML text whose document is a mapping; <paramref name="source"/> names it in errors.</summary>
    public static YamlMappingNode ParseMapping(string yaml, string source)
    {
        var stream = new YamlStream();
        var parser = new LocatingParser(new Parser(new StringReader(yaml)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new ConfigException(source, "", (int)e.Start.Line, $"invalid YAML: {Inner(e).Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this for some malformed input (e.g. an unclosed flow sequence) without a position.
            throw new ConfigException(source, "", (int)parser.LastEnd.Line, "invalid YAML (unclosed bracket or quote?)", e);
        }
        if (stream.Documents.Count == 0)
            return new YamlMappingNode();
        if (stream.Documents.Count > 1)
            throw new ConfigException(source, "", (int)stream.Documents[1].RootNode.Start.Line, "expected one YAML document, found several");
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new ConfigException(source, "", (int)stream.Documents[0].RootNode.Start.Line, "the document must be a mapping of keys to values");
    }

    /// <summary>
    /// Binds <paramref name="node"/> to a new <typeparamref name="T"/> and validates it. <paramref name="keyPath"/> is
    /// the dotted path of <paramref name="node"/> inside its file, so errors in a bound section read <c>train.epochs</c>.
    /// </summary>
    public static T Bind<T>(YamlMappingNode node, string source, string keyPath = "") where T : class
        => (T)Bind(typeof(T), node, source, keyPath);

    public static object Bind(Type type, YamlMappingNode node, string source, string keyPath = "")
        => new Binder(source).BindObject(type, node, keyPath);

    private static Exception Inner(Exception e) => e.InnerException is YamlException inner ? Inner(inner) : e;

    /// <summary>Remembers where the last parsed event ended, for errors that YamlDotNet raises without a position.</summary>
    private sealed class LocatingParser(IParser inner) : IParser
    {
        public Mark LastEnd { get; private set; } = Mark.Empty;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current is { } current)
                LastEnd = current.End;
            return moved;
        }
    }

    private sealed class Binder(string source)
    {
        // NullabilityInfoContext is not thread-safe: one per bind.
        private readonly NullabilityInfoContext _nullability = new();

        public object BindObject(Type type, YamlMappingNode mapping, string path, object? template = null)
        {
            var target = template is null ? Create(type) : ShallowCopy(template);
            var properties = BindableProperties(type);
            var bound = new Dictionary<PropertyInfo, (YamlNode Key, YamlNode Value)>();
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                    throw Error(path, keyNode, "keys must be plain names");
                var keyPath = Join(path, key);
                if (!properties.TryGetValue(ConfigKeys.Normalize(key), out var property))
                    throw Error(keyPath, keyNode, $"unknown key; expected one of: {string.Join(", ", properties.Values.Select(KeyOf).Order())}");
                if (bound.ContainsKey(property))
                    throw Error(keyPath, keyNode, $"'{KeyOf(property)}' is given twice");
                var defaults = IsOptionsType(property.PropertyType) ? property.GetValue(target) : null;
                property.SetValue(target, Convert(valueNode, property.PropertyType, keyPath, AllowsNull(property), defaults));
                bound[property] = (keyNode, valueNode);
            }
            foreach (var property in properties.Values)
            {
                if (bound.ContainsKey(property))
                    continue;
                var keyPath = Join(path, KeyOf(property));
                if (property.IsDefined(typeof(RequiredMemberAttribute)))
                    throw Error(keyPath, mapping, "required key is missing");
                if (IsOptionsType(property.PropertyType) && property.GetValue(target) is { } defaults)
                    ValidateTree(defaults, keyPath, mapping);
            }
            Validate(target, path, mapping, bound);
            return target;
        }

        private object? Convert(YamlNode node, Type type, string path, bool allowsNull, object? defaults = null)
        {
            if (typeof(YamlNode).IsAssignableFrom(type))
                return type.IsInstanceOfType(node) ? node : throw Error(path, node, $"expected {Describe(type)}");
            var underlying = Nullable.GetUnderlyingType(type);
            if (IsNull(node))
                return allowsNull || underlying is not null ? null : throw Error(path, node, $"null is not allowed here; expected {Describe(type)}");
            type = underlying ?? type;
            if (IsScalarType(type))
                return node is YamlScalarNode scalar ? ConvertScalar(scalar, type, path) : throw Error(path, node, $"expected {Describe(type)}, found {Shape(node)}");
            if (ElementTypeOfList(type) is { } element)
                return node is YamlSequenceNode sequence ? BuildList(sequence, type, element, path) : throw Error(path, node, $"expected a list, found {Shape(node)}");
            if (ValueTypeOfDictionary(type) is { } value)
                return node is YamlMappingNode map ? BuildDictionary(map, type, value, path) : throw Error(path, node, $"expected a mapping, found {Shape(node)}");
            if (IsOptionsType(type))
                return node is YamlMappingNode section ? BindObject(type, section, path, defaults) : throw Error(path, node, $"expected a mapping of keys, found {Shape(node)}");
            throw new InvalidOperationException($"{type} cannot be bound from configuration ({source}: {path}); see YamlOptions for the supported property types");
        }

        private object ConvertScalar(YamlScalarNode node, Type type, string path)
        {
            var text = node.Value ?? "";
            if (type == typeof(string))
                return text;
            var quoted = node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
            object? value = quoted ? null : type switch
            {
                _ when type == typeof(bool) => ParseBool(text),
                _ when type.IsEnum => ParseEnum(text, type),
                _ when type == typeof(TimeSpan) => ParseDuration(text),
                _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => ParseReal(text, type),
                _ => ParseInteger(text, type, path, node),
            };
            return value ?? throw Error(path, node, $"expected {Describe(type)}, got {(quoted ? "the text " : "")}'{text}'");
        }

        private static object? ParseBool(string text) => text.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => null,
        };

        private static object? ParseEnum(string text, Type type)
        {
            var wanted = ConfigKeys.Normalize(text);
            foreach (var name in Enum.GetNames(type))
                if (ConfigKeys.Normalize(name) == wanted)
                    return Enum.Parse(type, name);
            return null;
        }

        private static object? ParseReal(string text, Type type)
        {
            double value;
            switch (text.ToLowerInvariant())
            {
                case ".inf" or "+.inf": value = double.PositiveInfinity; break;
                case "-.inf": value = double.NegativeInfinity; break;
                case ".nan": value = double.NaN; break;
                default:
                    if (type == typeof(decimal))
                        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                        return null;
                    break;
            }
            if (type == typeof(float))
                return (float)value;
            return type == typeof(decimal) ? null : value;
        }

        private object? ParseInteger(string text, Type type, string path, YamlNode node)
        {
            if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                return null;
            try
            {
                return System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            }
            catch (OverflowException)
            {
                throw Error(path, node, $"{text} is out of range for {Describe(type)}");
            }
        }

        /// <summary>A duration: a number with a unit (ms, s, m, h, d) or a TimeSpan in invariant form (hh:mm:ss).</summary>
        private static object? ParseDuration(string text)
        {
            (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
            foreach (var (suffix, seconds) in units)
                if (text.EndsWith(suffix, StringComparison.Ordinal)
                    && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                    && n >= 0)
                    return TimeSpan.FromSeconds(n * seconds);
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
        }

        private object BuildList(YamlSequenceNode sequence, Type type, Type element, string path)
        {
            var items = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            var i = 0;
            foreach (var child in sequence.Children)
                items.Add(Convert(child, element, $"{path}[{i++}]", allowsNull: false));
            if (type.IsArray)
            {
                var array = Array.CreateInstance(element, items.Count);
                items.CopyTo(array, 0);
                return array;
            }
            return items;
        }

        private object BuildDictionary(YamlMappingNode map, Type type, Type value, string path)
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), value))!;
            foreach (var (keyNode, valueNode) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                    throw Error(path, keyNode, "keys must be plain names");
                dictionary[key] = Convert(valueNode, value, Join(path, key), allowsNull: false);
            }
            return dictionary;
        }

        private void ValidateTree(object target, string path, YamlMappingNode parent)
        {
            foreach (var property in BindableProperties(target.GetType()).Values)
                if (IsOptionsType(property.PropertyType) && property.GetValue(target) is { } child)
                    ValidateTree(child, Join(path, KeyOf(property)), parent);
            Validate(target, path, parent, new());
        }

        private void Validate(object target, string path, YamlMappingNode mapping, Dictionary<PropertyInfo, (YamlNode Key, YamlNode Value)> bound)
        {
            foreach (var property in BindableProperties(target.GetType()).Values)
            {
                var context = new ValidationContext(target) { MemberName = property.Name, DisplayName = KeyOf(property) };
                var results = new List<ValidationResult>();
                if (Validator.TryValidateProperty(property.GetValue(target), context, results))
                    continue;
                var keyPath = Join(path, KeyOf(property));
                if (bound.TryGetValue(property, out var nodes))
                    throw Error(keyPath, nodes.Key, results[0].ErrorMessage + (nodes.Value is YamlScalarNode s ? $" (got '{s.Value}')" : ""));
                throw Error(keyPath, mapping, results[0].ErrorMessage + " (the key is not given)");
            }
            var objectResults = new List<ValidationResult>();
            if (Validator.TryValidateObject(target, new ValidationContext(target), objectResults, validateAllProperties: false))
                return;
            var first = objectResults[0];
            var member = first.MemberNames.FirstOrDefault();
            var named = member is null ? null : target.GetType().GetProperty(member);
            if (named is null)
                throw Error(path, mapping, first.ErrorMessage ?? "invalid");
            var memberPath = Join(path, KeyOf(named));
            YamlNode where = bound.TryGetValue(named, out var n) ? n.Key : mapping;
            throw Error(memberPath, where, first.ErrorMessage ?? "invalid");
        }

        private ConfigException Error(string path, YamlNode node, string problem) => new(source, path, (int)node.Start.Line, problem);

        private static readonly MethodInfo CloneMethod =
            typeof(object).GetMethod(nameof(MemberwiseClone), BindingFlags.Instance | BindingFlags.NonPublic)!;

        /// <summary>A copy of a nested section's default value, so keys left out keep the defaults its parent chose.</summary>
        private static object ShallowCopy(object template) => CloneMethod.Invoke(template, null)!;

        private static object Create(Type type)
        {
            if (type.GetConstructor(Type.EmptyTypes) is null)
                throw new InvalidOperationException($"options type {type} needs a public parameterless constructor with init properties (see YamlOptions)");
            return Activator.CreateInstance(type)!;
        }

        private static Dictionary<string, PropertyInfo> BindableProperties(Type type)
        {
            var result = new Dictionary<string, PropertyInfo>();
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                if (p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && !p.IsDefined(typeof(YamlIgnoreAttribute)))
                    result[ConfigKeys.Normalize(KeyOf(p))] = p;
            return result;
        }

        private static string KeyOf(PropertyInfo property)
            => property.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? ConfigKeys.ToSnakeCase(property.Name);

        private bool AllowsNull(PropertyInfo property)
            => !property.PropertyType.IsValueType && _nullability.Create(property).WriteState == NullabilityState.Nullable;

        private static bool IsNull(YamlNode node)
            => node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

        private static bool IsScalarType(Type type)
            => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);

        private static Type? ElementTypeOfList(Type type)
        {
            if (type.IsArray)
                return type.GetElementType();
            if (!type.IsGenericType)
                return null;
            var definition = type.GetGenericTypeDefinition();
            return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
                || definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>)
                ? type.GetGenericArguments()[0] : null;
        }

        private static Type? ValueTypeOfDictionary(Type type)
        {
            if (!type.IsGenericType)
                return null;
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            return (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
                && args[0] == typeof(string) ? args[1] : null;
        }

        private static bool IsOptionsType(Type type)
            => type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type) && !typeof(YamlNode).IsAssignableFrom(type);

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        private static string Shape(YamlNode node) => node switch
        {
            YamlSequenceNode => "a list",
            YamlMappingNode => "a mapping",
            YamlScalarNode s => $"'{s.Value}'",
            _ => node.NodeType.ToString(),
        };

        private static string Describe(Type type)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type == typeof(bool)) return "true or false";
            if (type == typeof(string)) return "text";
            if (type == typeof(TimeSpan)) return "a duration (e.g. 30s, 500ms, 5m, 2h, 00:01:30)";
            if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
            if (type.IsEnum) return "one of: " + string.Join(", ", Enum.GetNames(type).Select(ConfigKeys.ToSnakeCase));
            if (type.IsPrimitive) return $"an integer ({type.Name})";
            if (typeof(YamlNode).IsAssignableFrom(type)) return type == typeof(YamlMappingNode) ? "a mapping" : type == typeof(YamlSequenceNode) ? "a list" : "a value";
            return type.Name;
        }
    }
}

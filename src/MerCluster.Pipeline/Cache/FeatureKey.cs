using MerCluster.Core;
using System.Text;

namespace MerCluster.Pipeline.Cache;

/// <summary>
/// The content address of a feature: SHA-256 (lower-case hex) of the step name, its version, its canonical parameters
/// and its inputs' keys in order. Leaves are the hashes of input files' bytes, so a key changes exactly when
/// something that determines the value changes.
/// </summary>
public readonly record struct FeatureKey
{
    private FeatureKey(string hex) => Hex = hex;

    public string Hex { get; }

    /// <summary>The key of <paramref name="step"/> (at <paramref name="version"/>, bumped when its code changes meaning) over <paramref name="inputs"/>.</summary>
    public static FeatureKey For(string step, int version, object? parameters, IEnumerable<FeatureKey> inputs)
    {
        // One JSON text holds every field, so no two different tuples can produce the same hashed bytes.
        var text = CanonicalJson.Serialize(new
        {
            step,
            version,
            parameters = CanonicalJson.Serialize(parameters),
            inputs = inputs.Select(k => k.Hex).ToArray(),
        });
        return OfBytes(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The key of a file's bytes (a frame image), the leaf of every feature computed from it.</summary>
    public static FeatureKey OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return new FeatureKey(ContentHash.Of(stream));
    }

    public static FeatureKey OfBytes(ReadOnlySpan<byte> content) => new(ContentHash.Of(content));

    /// <summary>Reads back a key written by <see cref="ToString"/>; anything but 64 hex digits is an error.</summary>
    public static FeatureKey Parse(string hex)
        => hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower) ? new FeatureKey(hex)
            : throw new FormatException($"'{hex}' is not a feature key (64 lower-case hex digits)");

    public override string ToString() => Hex;
}

using System.Security.Cryptography;
using System.Text;

namespace MerCluster.Core;

/// <summary>The one content hash of the project (cache keys, manifests, trial and sweep ids): SHA-256 as lowercase hex.</summary>
public static class ContentHash
{
    public static string Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    public static string Of(Stream stream) => Convert.ToHexStringLower(SHA256.HashData(stream));
}

namespace MerCluster.Server.Pages;

/// <summary>
/// The pages' stylesheet and script, built into this assembly (Pages/Assets, embedded as <c>assets/NAME</c>) so the
/// server needs no files beside it and no network.
/// </summary>
public static class PageAssets
{
    private const string Prefix = "assets/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    };

    public static IReadOnlyDictionary<string, (byte[] Content, string ContentType)> Load()
    {
        var assembly = typeof(PageAssets).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[Prefix.Length..];
            assets[name] = (buffer.ToArray(), ContentTypes[Path.GetExtension(name)]);
        }
        return assets;
    }
}

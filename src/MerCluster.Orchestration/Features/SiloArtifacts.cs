using MerCluster.Artifacts;
using MerCluster.Core.Features;
using MerCluster.Pipeline.Cache;

namespace MerCluster.Orchestration.Features;

/// <summary>
/// The artifact store a silo works with (`mer silo --artifacts URL`): a folder every silo sees (the default,
/// <c>.mer/cache</c>) or Azure Blob storage (<c>azblob://container/prefix</c>) read through a local cache, so silos
/// without a shared filesystem train from what the others computed. It holds the feature cache's arrays, the stacked
/// feature sets and the folds' checkpoints (<see cref="ArtifactLayout"/>); <see cref="LocalRoot"/> is this silo's own
/// disk: the local copies of a remote store, and the scratch files a fold writes before they go to the store.
/// </summary>
public sealed class SiloArtifacts
{
    /// <summary>The default size of a remote store's local copies: 20 GiB (a composite's paper-config feature sets are a few GB).</summary>
    public const long DefaultCacheBytes = 20L << 30;

    private readonly Lazy<FeatureCache> _features;

    public SiloArtifacts(IArtifactStore store, string localRoot)
    {
        Store = store;
        LocalRoot = Path.GetFullPath(localRoot);
        _features = new(() => new FeatureCache(Store, ArtifactLayout.Features));
    }

    /// <summary>
    /// Opens <paramref name="url"/>: a folder is used in place; a blob store gets its local copies under
    /// <paramref name="localCache"/> (at most <paramref name="cacheBytes"/>). A store that cannot be used stops here with
    /// a message naming its URL.
    /// </summary>
    public static SiloArtifacts Open(string url, string localCache, long cacheBytes = DefaultCacheBytes)
    {
        var store = ArtifactStores.Open(url);
        return store is FileSystemArtifactStore folder
            ? new SiloArtifacts(folder, folder.Root)
            : new SiloArtifacts(new CachedArtifactStore(store, localCache, cacheBytes), localCache);
    }

    /// <summary>A folder store at <paramref name="folder"/> (tests, `mer preprocess`).</summary>
    public static SiloArtifacts InFolder(string folder) => new(new FileSystemArtifactStore(folder), folder);

    public IArtifactStore Store { get; }

    public string LocalRoot { get; }

    /// <summary>The feature cache over this store (one per silo, so its in-process gates are shared by every preprocessing thread).</summary>
    public FeatureCache Features => _features.Value;

    /// <summary>Where a fold writes files before they go to the store (a folder of this silo's, never listed as artifacts).</summary>
    public string Scratch(string name) => Path.Combine(LocalRoot, ".scratch", name.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>What a sweep's <c>features</c> holds for the feature set <paramref name="featureSet"/> of this store: its folder, or its <c>azblob://</c> URL.</summary>
    public string Reference(string featureSet) => Store.Locate(ArtifactLayout.FeatureSet(featureSet));

    /// <summary>Whether the feature set is complete in the store (its manifest, written last, is there) and the samples it left out.</summary>
    public bool TryFindFeatureSet(string featureSet, out IReadOnlyList<string> skipped)
    {
        skipped = [];
        var folder = ArtifactLayout.FeatureSet(featureSet);
        if (Store.ReadBytes($"{folder}/{FeatureSet.ManifestFile}", out _) != ArtifactState.Found)
            return false;
        if (Store.ReadBytes($"{folder}/{SkippedFile}", out var lines) == ArtifactState.Found)
            skipped = System.Text.Encoding.UTF8.GetString(lines).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return true;
    }

    public const string SkippedFile = "skipped.txt";

    /// <summary>
    /// Stores the feature set in the local folder <paramref name="source"/> under <paramref name="featureSet"/>, its
    /// manifest last so readers never see half of it. A feature set someone stored meanwhile is kept (same dataset and
    /// pipeline, same content).
    /// </summary>
    public string Publish(string featureSet, string source)
    {
        var folder = ArtifactLayout.FeatureSet(featureSet);
        var files = Directory.GetFiles(source).Select(Path.GetFileName).OrderBy(f => f == FeatureSet.ManifestFile).ThenBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
            Store.CreateFromFile($"{folder}/{file}", Path.Combine(source, file!));
        return Reference(featureSet);
    }

    /// <summary>
    /// The local folder of a sweep's <c>features</c>: a feature set of this store is verified file by file (and, from
    /// blob storage, copied to this silo's disk once); any other folder is the user's, used as it is.
    /// </summary>
    public string LocalDirectory(string features)
    {
        var name = NameOf(features);
        if (name is null)
            return features;
        var manifest = $"{name}/{FeatureSet.ManifestFile}";
        var files = Store.List(name + "/");
        if (!files.Contains(manifest))
            throw new FileNotFoundException($"{features}: no feature set there ({FeatureSet.ManifestFile} is missing)");
        foreach (var file in files)
        {
            var state = Store is CachedArtifactStore cached
                ? cached.LocalPath(file) is null ? ArtifactState.Corrupt : ArtifactState.Found
                : Store.Read(file, Stream.Null, out _);
            if (state != ArtifactState.Found)
                throw new InvalidDataException($"{Store.Locate(file)} is {(state == ArtifactState.Missing ? "missing" : "damaged (its sha256 does not match)")}; " +
                    $"delete the feature set {Store.Locate(name)} to have it computed again");
        }
        return Store is CachedArtifactStore local ? Path.Combine(local.Directory, name) : Store.Locate(name);
    }

    /// <summary>The artifact name of a reference into this store (<see cref="Reference"/>), or null for a folder of the user's.</summary>
    private string? NameOf(string features)
    {
        var top = Store.Url.TrimEnd('/') + "/";
        var inside = ArtifactStores.IsBlob(features)
            ? features.StartsWith(top, StringComparison.Ordinal) ? features[top.Length..].TrimEnd('/')
                : throw new ArgumentException($"the features {features} are not in this silo's artifact store {Store.Url}")
            : Path.GetFullPath(features).StartsWith(top, StringComparison.Ordinal) ? Path.GetRelativePath(Store.Url, Path.GetFullPath(features)).Replace(Path.DirectorySeparatorChar, '/') : null;
        return inside is not null && inside.StartsWith(ArtifactLayout.FeatureSets + "/", StringComparison.Ordinal) ? inside : null;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace MerCluster.Artifacts;

/// <summary>
/// A remote artifact store (blob storage) with a read-through copy on local disk, so a silo downloads each feature
/// array and feature set once, not for every fold. Only artifacts that never change once written are copied
/// (<see cref="ArtifactLayout.IsImmutable"/>: features and feature sets, named by their content or inputs); checkpoints
/// and reports always go to the remote store. Local copies are verified like any folder store's (a damaged copy is
/// fetched again) and kept under <see cref="CapacityBytes"/> by dropping the least recently used ones; a copy used in the
/// last minute is never dropped (a fold may be reading it), so the folder can exceed the cap briefly.
/// </summary>
public sealed class CachedArtifactStore : IArtifactStore
{
    private static readonly TimeSpan InUse = TimeSpan.FromMinutes(1);

    private readonly IArtifactStore _remote;
    private readonly FileSystemArtifactStore _local;
    private readonly Func<string, bool> _immutable;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _evicting = new();
    private long _bytes, _hits, _misses, _bytesFetched;

    public CachedArtifactStore(IArtifactStore remote, string directory, long capacityBytes, Func<string, bool>? immutable = null)
    {
        if (capacityBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(capacityBytes), $"the local cache's size must be positive, not {capacityBytes}");
        _remote = remote;
        _local = new FileSystemArtifactStore(directory);
        _immutable = immutable ?? ArtifactLayout.IsImmutable;
        CapacityBytes = capacityBytes;
        // What an earlier run left is reused, oldest first to go.
        foreach (var name in _local.List(""))
        {
            var file = new FileInfo(_local.Locate(name));
            var entry = new Entry(file.Length) { LastUse = Stopwatch.GetTimestamp() - (long)((DateTime.UtcNow - file.LastWriteTimeUtc).TotalSeconds * Stopwatch.Frequency) };
            _entries[name] = entry;
            _bytes += entry.Size;
        }
    }

    public IArtifactStore Remote => _remote;

    /// <summary>The folder holding the local copies.</summary>
    public string Directory => _local.Root;

    public long CapacityBytes { get; }

    public string Url => _remote.Url;

    /// <summary>Reads answered locally, reads that downloaded, bytes downloaded, and bytes held locally now.</summary>
    public (long Hits, long Misses, long BytesFetched, long BytesHeld) Stats =>
        (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _bytesFetched), Interlocked.Read(ref _bytes));

    public string Locate(string name) => _remote.Locate(name);

    public ArtifactState Read(string name, Stream destination, out string? version, CancellationToken cancellationToken = default)
    {
        if (!_immutable(name))
            return _remote.Read(name, destination, out version, cancellationToken);
        var state = Fetch(name, cancellationToken);
        version = null;
        if (state != ArtifactState.Found)
            return state;
        state = _local.Read(name, destination, out version, cancellationToken);
        if (state != ArtifactState.Found)
        {
            // Damaged on disk since it was checked: dropped, so the next read downloads it again.
            _local.Delete(name, cancellationToken);
            Forget(name);
        }
        return state;
    }

    /// <summary>
    /// The path of a verified local copy of the immutable artifact <paramref name="name"/>, downloaded if needed
    /// (a file a reader such as <c>FeatureSet.Read</c> can open), or null when the remote store has no good copy.
    /// </summary>
    public string? LocalPath(string name, CancellationToken cancellationToken = default)
    {
        if (!_immutable(name))
            throw new ArgumentException($"{name} can change, so it is never copied locally", nameof(name));
        return Fetch(name, cancellationToken) == ArtifactState.Found ? _local.Locate(name) : null;
    }

    /// <summary>Makes sure a verified local copy of <paramref name="name"/> exists; what the remote store has when it cannot.</summary>
    private ArtifactState Fetch(string name, CancellationToken cancellationToken)
    {
        // A copy this process wrote or checked is trusted; one an earlier run left is checked once first.
        if (_entries.TryGetValue(name, out var entry) && entry.Verified && File.Exists(_local.Locate(name)))
        {
            entry.LastUse = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _hits);
            return ArtifactState.Found;
        }
        using var held = _local.Lock(name, cancellationToken);
        if (_local.Read(name, Stream.Null, out _, cancellationToken) == ArtifactState.Found)
        {
            Remember(name, new FileInfo(_local.Locate(name)).Length);
            Interlocked.Increment(ref _hits);
            return ArtifactState.Found;
        }
        _local.Delete(name, cancellationToken);
        Interlocked.Increment(ref _misses);
        var download = Path.Combine(_local.Root, ".downloads", Guid.NewGuid().ToString("N"));
        try
        {
            var state = _remote.ReadToFile(name, download, out _, cancellationToken);
            if (state != ArtifactState.Found)
                return state;
            var size = new FileInfo(download).Length;
            _local.CreateFromFile(name, download, cancellationToken);
            Interlocked.Add(ref _bytesFetched, size);
            Remember(name, size);
            return ArtifactState.Found;
        }
        finally
        {
            File.Delete(download);
        }
    }

    public bool Create(string name, Stream content, CancellationToken cancellationToken = default)
    {
        var created = _remote.Create(name, content, cancellationToken);
        if (_immutable(name))
        {
            // The writer keeps a copy: the folds on this silo read it next.
            content.Position = 0;
            using var held = _local.Lock(name, cancellationToken);
            _local.Delete(name, cancellationToken);
            _local.Create(name, content, cancellationToken);
            Remember(name, content.Length);
        }
        return created;
    }

    public string Replace(string name, Stream content, string? ifMatch, CancellationToken cancellationToken = default) =>
        _remote.Replace(name, content, ifMatch, cancellationToken);

    public bool Delete(string name, CancellationToken cancellationToken = default)
    {
        if (_immutable(name))
        {
            _local.Delete(name, cancellationToken);
            Forget(name);
        }
        return _remote.Delete(name, cancellationToken);
    }

    public IReadOnlyList<string> List(string prefix, CancellationToken cancellationToken = default) => _remote.List(prefix, cancellationToken);

    public IDisposable Lock(string name, CancellationToken cancellationToken = default) => _remote.Lock(name, cancellationToken);

    private void Remember(string name, long size)
    {
        var entry = new Entry(size) { LastUse = Stopwatch.GetTimestamp(), Verified = true };
        if (_entries.TryGetValue(name, out var old))
            Interlocked.Add(ref _bytes, -old.Size);
        _entries[name] = entry;
        Interlocked.Add(ref _bytes, size);
        Evict();
    }

    private void Forget(string name)
    {
        if (_entries.TryRemove(name, out var old))
            Interlocked.Add(ref _bytes, -old.Size);
    }

    /// <summary>Drops least recently used copies not used in the last minute until the folder fits its capacity.</summary>
    private void Evict()
    {
        if (Interlocked.Read(ref _bytes) <= CapacityBytes)
            return;
        lock (_evicting)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var (name, entry) in _entries.OrderBy(pair => pair.Value.LastUse).ToList())
            {
                if (Interlocked.Read(ref _bytes) <= CapacityBytes || Stopwatch.GetElapsedTime(entry.LastUse, now) < InUse)
                    break;
                using var held = _local.Lock(name);
                _local.Delete(name);
                Forget(name);
            }
        }
    }

    private sealed class Entry(long size)
    {
        public long Size { get; } = size;
        public long LastUse;
        public bool Verified;
    }
}

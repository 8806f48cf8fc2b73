namespace MerCluster.Artifacts;

/// <summary>What a read of one artifact found.</summary>
public enum ArtifactState
{
    Missing,
    /// <summary>Present but not verifiable: truncated, altered, or a write that never finished.</summary>
    Corrupt,
    Found,
}

/// <summary>
/// Where a cluster keeps what it computes once and reads many times: the feature cache's arrays, feature sets, fold
/// checkpoints and reports. Names are relative paths with '/' (<c>features/ab/abcd….npy</c>,
/// <c>checkpoints/SWEEP/trial-3/s01.ckpt</c>). Every artifact is stored with the sha256 of its content, and a read
/// verifies it: a reader never gets bytes that are not exactly what was written.
/// <para>Two kinds of write: <see cref="Create"/> for content-addressed artifacts (a second writer finds the artifact
/// there and that is success: same name, same content), and <see cref="Replace"/> for artifacts that change
/// (checkpoints), guarded by the version the writer last saw, so a superseded writer cannot overwrite a newer one.</para>
/// <para>Backends: a folder (<see cref="FileSystemArtifactStore"/>) and Azure Blob storage
/// (<see cref="BlobArtifactStore"/>); <see cref="ArtifactStores.Open"/> picks one from a URL.</para>
/// </summary>
public interface IArtifactStore
{
    /// <summary>The store's URL as the user gave it (a folder or <c>azblob://container/prefix</c>); never holds a secret.</summary>
    string Url { get; }

    /// <summary>Where <paramref name="name"/> is, for messages: a file path, or the blob's <c>azblob://</c> URL.</summary>
    string Locate(string name);

    /// <summary>
    /// Copies the verified content of <paramref name="name"/> to <paramref name="destination"/> and gives its version.
    /// On <see cref="ArtifactState.Corrupt"/> part of the content may already have been copied: callers read into a
    /// buffer or a temporary file they discard.
    /// </summary>
    ArtifactState Read(string name, Stream destination, out string? version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="content"/> (a seekable stream, read from its start) under <paramref name="name"/> unless an
    /// artifact of that name exists: true when this call wrote it, false when one was there (a corrupt one stays: delete it first).
    /// Readers see either nothing or all of it.
    /// </summary>
    bool Create(string name, Stream content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="name"/> if its version is still <paramref name="ifMatch"/>
    /// (null: only if there is none) and returns the new version; otherwise throws <see cref="ArtifactConflictException"/>.
    /// </summary>
    string Replace(string name, Stream content, string? ifMatch, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="name"/>; false when there was nothing.</summary>
    bool Delete(string name, CancellationToken cancellationToken = default);

    /// <summary>The names below <paramref name="prefix"/> (a folder name ending in '/'), in ordinal order.</summary>
    IReadOnlyList<string> List(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// An exclusive lock on <paramref name="name"/> held until disposed: across every process sharing a folder store
    /// (a holder that dies releases it), within this process for a blob store, where concurrent writers of a
    /// content-addressed artifact are harmless (<see cref="Create"/>: the second finds the first's).
    /// </summary>
    IDisposable Lock(string name, CancellationToken cancellationToken = default);
}

/// <summary>A guarded <see cref="IArtifactStore.Replace"/> found another version than the writer's: someone else wrote it since.</summary>
public sealed class ArtifactConflictException(string message) : Exception(message);

/// <summary>The store cannot be used at all (no such container, credentials refused, endpoint unreachable); the message names its URL and never a secret.</summary>
public sealed class ArtifactStoreException(string message, Exception? inner = null) : Exception(message, inner);

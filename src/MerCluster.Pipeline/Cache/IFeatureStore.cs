namespace MerCluster.Pipeline.Cache;

/// <summary>What a read of one key found.</summary>
public enum StoredFeatureState
{
    Missing,
    /// <summary>Present but not verifiable: truncated, altered, or a write that never finished.</summary>
    Corrupt,
    Found,
}

/// <summary>
/// Where cached features live: .npy bytes per key, each verified on read, written atomically, with an exclusive
/// per-key lock that every process sharing the store honours. Small on purpose so a blob store can implement it.
/// </summary>
public interface IFeatureStore
{
    /// <summary>The verified .npy bytes of <paramref name="key"/>; never returns bytes whose checksum does not match.</summary>
    StoredFeatureState TryRead(FeatureKey key, out byte[] npy);

    /// <summary>Stores <paramref name="npy"/> so that readers see either nothing or all of it.</summary>
    void Write(FeatureKey key, ReadOnlySpan<byte> npy);

    /// <summary>Removes whatever is stored under <paramref name="key"/> (called with the key's lock held).</summary>
    void Delete(FeatureKey key);

    /// <summary>Waits for the exclusive lock of <paramref name="key"/>; a holder that dies releases it.</summary>
    IDisposable Lock(FeatureKey key, CancellationToken cancellationToken);

    /// <summary>Where <paramref name="key"/>'s value is (a file path here), for messages and previews.</summary>
    string Locate(FeatureKey key);
}

using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>Dataset manifests and feature-cache entries: what the silos of a sweep read and which features exist.</summary>
public sealed partial class CoordinationStore
{
    /// <summary>Stores a dataset manifest under its id; a manifest with the same id and hash is kept as it is.</summary>
    public Task PutManifestAsync(string id, string contentHash, string json, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql("""
            INSERT INTO dataset_manifests (id, content_hash, json, created_at) VALUES (@id, @contentHash, @json, {now})
            ON CONFLICT (id) DO UPDATE SET content_hash = excluded.content_hash, json = excluded.json, created_at = excluded.created_at
            WHERE dataset_manifests.content_hash <> excluded.content_hash
            """), new { id, contentHash, json }, transaction), cancellationToken);

    public Task<StoredManifest?> GetManifestAsync(string id, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.QueryFirstOrDefaultAsync<StoredManifest>(
            "SELECT id AS Id, content_hash AS ContentHash, json AS Json, created_at AS CreatedAt FROM dataset_manifests WHERE id = @id",
            new { id }), cancellationToken);

    public Task RecordCacheEntryAsync(string key, long sizeBytes, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.ExecuteAsync(Sql("""
            INSERT INTO feature_cache_entries (key, size_bytes, created_at) VALUES (@key, @sizeBytes, {now})
            ON CONFLICT (key) DO UPDATE SET size_bytes = excluded.size_bytes
            """), new { key, sizeBytes }), cancellationToken);

    public async Task<IReadOnlyList<CacheEntryRecord>> CacheEntriesAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(connection => connection.QueryAsync<CacheEntryRecord>(
            "SELECT key AS Key, size_bytes AS SizeBytes, created_at AS CreatedAt FROM feature_cache_entries ORDER BY key"), cancellationToken)).ToList();
}

public sealed record StoredManifest
{
    public string Id { get; init; } = "";
    public string ContentHash { get; init; } = "";
    public string Json { get; init; } = "";
    public long CreatedAt { get; init; }
}

public sealed record CacheEntryRecord
{
    public string Key { get; init; } = "";
    public long SizeBytes { get; init; }
    public long CreatedAt { get; init; }
}

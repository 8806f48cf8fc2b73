using Dapper;

namespace MerCluster.Orchestration.Store;

/// <summary>
/// Orleans grain state: one row per (service, state name, grain) holding the serialized state and its etag. Every
/// write names the etag it expects, so of two activations writing the same grain at once only one succeeds: the first
/// write is an INSERT that does nothing when a row exists, later ones are UPDATE ... WHERE etag = @expected.
/// </summary>
public sealed partial class CoordinationStore
{
    private const string GrainStateKey = "service_id = @serviceId AND state_name = @stateName AND grain_id = @grainId";

    /// <summary>The stored state of one grain, or null when it has none.</summary>
    public Task<StoredGrainState?> ReadGrainStateAsync(string serviceId, string stateName, string grainId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection => connection.QueryFirstOrDefaultAsync<StoredGrainState>(
            $"SELECT payload AS Payload, etag AS Etag, written_at AS WrittenAt FROM grain_states WHERE {GrainStateKey}",
            new { serviceId, stateName, grainId }), cancellationToken);

    /// <summary>
    /// Writes a grain's state when its stored etag is <paramref name="expectedEtag"/> (null: the grain has no row yet).
    /// Returns the new etag, or null (nothing written) when the row moved on or, for a first write, already exists.
    /// </summary>
    public async Task<string?> WriteGrainStateAsync(string serviceId, string stateName, string grainId, byte[] payload, string? expectedEtag,
        CancellationToken cancellationToken = default)
    {
        var etag = NewEtag();
        var parameters = new { serviceId, stateName, grainId, payload, etag, expectedEtag };
        var written = await WriteIfAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql(expectedEtag is null
            ? """
              INSERT INTO grain_states (service_id, state_name, grain_id, payload, etag, written_at)
              VALUES (@serviceId, @stateName, @grainId, @payload, @etag, {now})
              ON CONFLICT (service_id, state_name, grain_id) DO NOTHING
              """
            : $"UPDATE grain_states SET payload = @payload, etag = @etag, written_at = {{now}} WHERE {GrainStateKey} AND etag = @expectedEtag"),
            parameters, transaction) == 1, cancellationToken);
        return written ? etag : null;
    }

    /// <summary>
    /// Deletes a grain's state when its stored etag is <paramref name="expectedEtag"/>. With a null etag it succeeds only
    /// when there is no row. False (nothing deleted) when the row moved on.
    /// </summary>
    public Task<bool> ClearGrainStateAsync(string serviceId, string stateName, string grainId, string? expectedEtag,
        CancellationToken cancellationToken = default) =>
        WriteIfAsync(async (connection, transaction) =>
        {
            if (expectedEtag is null)
                return await connection.ExecuteScalarAsync<long>(
                    $"SELECT COUNT(*) FROM grain_states WHERE {GrainStateKey}", new { serviceId, stateName, grainId }, transaction) == 0;
            return await connection.ExecuteAsync($"DELETE FROM grain_states WHERE {GrainStateKey} AND etag = @expectedEtag",
                new { serviceId, stateName, grainId, expectedEtag }, transaction) == 1;
        }, cancellationToken);
}

/// <summary>A grain's serialized state as stored, with its etag and when it was written (Unix ms).</summary>
public sealed record StoredGrainState
{
    public byte[] Payload { get; init; } = [];
    public string Etag { get; init; } = "";
    public long WrittenAt { get; init; }
}

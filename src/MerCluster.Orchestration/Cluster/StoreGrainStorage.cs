using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// Orleans grain storage in the coordination store, for the service named by <see cref="ClusterOptions.ServiceId"/>.
/// State is serialized with the silo's configured <see cref="IGrainStorageSerializer"/> and stored as bytes with an
/// etag; a write or clear whose etag is not the stored one (another activation wrote since, or a first write finds a
/// row) throws <see cref="InconsistentStateException"/> and changes nothing.
/// </summary>
public sealed class StoreGrainStorage(
    string name, ClusterStore store, IOptions<ClusterOptions> clusterOptions, IGrainStorageSerializer serializer, IActivatorProvider activators)
    : IGrainStorage
{
    private readonly string _serviceId = clusterOptions.Value.ServiceId;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var stored = await (await store.OpenAsync(cancellationToken)).ReadGrainStateAsync(_serviceId, stateName, grainId.ToString(), cancellationToken);
        if (stored is null)
        {
            Reset(grainState);
            return;
        }
        var state = serializer.Deserialize<T>(new BinaryData(stored.Payload));
        grainState.State = state is null ? activators.GetActivator<T>().Create() : state;
        grainState.ETag = stored.Etag;
        grainState.RecordExists = true;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var opened = await store.OpenAsync(cancellationToken);
        var payload = serializer.Serialize(grainState.State).ToArray();
        var etag = await opened.WriteGrainStateAsync(_serviceId, stateName, grainId.ToString(), payload, grainState.ETag, cancellationToken)
            ?? throw await ConflictAsync("write", stateName, grainId, grainState.ETag, cancellationToken);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var opened = await store.OpenAsync(cancellationToken);
        if (!await opened.ClearGrainStateAsync(_serviceId, stateName, grainId.ToString(), grainState.ETag, cancellationToken))
            throw await ConflictAsync("clear", stateName, grainId, grainState.ETag, cancellationToken);
        Reset(grainState);
    }

    private void Reset<T>(IGrainState<T> grainState)
    {
        grainState.State = activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private async Task<InconsistentStateException> ConflictAsync(string operation, string stateName, GrainId grainId, string? expected,
        CancellationToken cancellationToken)
    {
        var stored = await (await store.OpenAsync(cancellationToken)).ReadGrainStateAsync(_serviceId, stateName, grainId.ToString(), cancellationToken);
        var storedEtag = stored?.Etag ?? "none";
        return new InconsistentStateException(
            $"grain storage '{name}' could not {operation} state '{stateName}' of {grainId} in the store {store.Location}: " +
            $"the grain expected etag {expected ?? "none (a first write)"} but the store holds {storedEtag}",
            storedEtag, expected ?? "none");
    }
}

using MerCluster.Datasets.Manifests;
using MerCluster.Orchestration.Cluster;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Grains;

/// <summary>
/// A dataset, keyed by its manifest's content hash: holds the validated manifest (samples, labels, onset/apex/offset,
/// frames) that feature sets are computed from. Registering the same manifest again changes nothing; a manifest whose
/// hash is not the key is refused.
/// </summary>
public interface IDatasetGrain : IGrainWithStringKey
{
    Task Register(string manifestJson);

    /// <summary>The manifest's JSON; an error naming the hash when it was never registered.</summary>
    Task<string> Manifest();
}

[GenerateSerializer]
public sealed record DatasetGrainState
{
    [Id(0)] public string? Json { get; set; }
}

public sealed class DatasetGrain(
    [PersistentState("dataset", StoreClusterExtensions.StorageName)] IPersistentState<DatasetGrainState> state,
    CoordinationStore store) : Grain, IDatasetGrain
{
    private string Hash => this.GetPrimaryKeyString();

    public async Task Register(string manifestJson)
    {
        if (state.State.Json is not null)
            return;
        var manifest = Datasets.Manifests.Manifest.FromJson(manifestJson, $"dataset {Hash}");
        if (manifest.Hash != Hash)
            throw new ArgumentException($"the manifest's content hash is {manifest.Hash}, not the dataset key {Hash}");
        await store.PutManifestAsync($"{manifest.ClassSet}-{Hash[..12]}", Hash, manifestJson);
        state.State.Json = manifestJson;
        await state.WriteStateAsync();
    }

    public Task<string> Manifest() => state.State.Json is { } json
        ? Task.FromResult(json)
        : throw new InvalidOperationException($"no dataset with manifest hash {Hash} was registered");

    /// <summary>The manifest as the pipeline reads it.</summary>
    public static async Task<Manifest> LoadAsync(IGrainFactory grains, string hash) =>
        Datasets.Manifests.Manifest.FromJson(await grains.GetGrain<IDatasetGrain>(hash).Manifest(), $"dataset {hash}");
}

using MerCluster.Core.Features;
using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Store;
using MerCluster.Pipeline;
using MerCluster.Pipeline.Cache;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MerCluster.Orchestration.Grains;

/// <summary>What a feature set is computed from: a registered dataset (its manifest hash) and a pipeline (canonical JSON).</summary>
[GenerateSerializer, Immutable]
public sealed record FeatureSetRequest(string ManifestHash, string PipelineJson)
{
    public PipelineOptions Pipeline => CanonicalJson.Deserialize<PipelineOptions>(PipelineJson);
}

/// <summary>How far a feature set is: building (samples done of total), ready (its reference in the artifact store: a folder or an azblob URL), or failed (why).</summary>
[GenerateSerializer, Immutable]
public sealed record FeatureSetStatus(string State, int Done, int Total, string? Reference, IReadOnlyList<string> Skipped, string? Error)
{
    public const string Building = "building";
    public const string Ready = "ready";
    public const string Failed = "failed";
}

/// <summary>
/// A dataset under one pipeline, keyed by its feature-set name (<see cref="DatasetFeatures.NameFor"/>): the one
/// activation in the cluster that makes sure every sample's features exist once. It splits the samples into one shard
/// per silo and has a <see cref="IPreprocessGrain"/> on each silo compute its shard into the shared feature cache
/// (content-addressed, keys unchanged), then stacks the cached features into the feature-set directory the folds read.
/// <see cref="Ensure"/> returns at once with the progress; callers ask again until it is ready. A shard whose silo
/// leaves the cluster is started again on another (what it already computed is in the cache). It is placed on a silo
/// that trains, so it stacks into the artifact store the training silos use.
/// </summary>
public interface IFeatureSetGrain : IGrainWithStringKey
{
    Task<FeatureSetStatus> Ensure(FeatureSetRequest request);

    /// <summary>A shard's silo reporting its progress, and at the end the samples it left out.</summary>
    [Orleans.Concurrency.OneWay]
    Task ShardProgress(int shard, int done, bool finished, string[] skipped, string? error);
}

[FreeSlotPlacement]
public sealed class FeatureSetGrain(
    SiloArtifacts artifacts, CoordinationStore store, IClusterMembershipService membership, ISiloMetadataCache metadata, ILogger<FeatureSetGrain> log)
    : Grain, IFeatureSetGrain
{
    private readonly Dictionary<int, Shard> _shards = [];
    private FeatureSetRequest? _request;
    private FeatureSetStatus? _final;
    private Task<DatasetFeatures.Outcome>? _stacking;
    private IGrainTimer? _timer;
    private int _total;

    public async Task<FeatureSetStatus> Ensure(FeatureSetRequest request)
    {
        if (_final is { State: FeatureSetStatus.Ready } ready)
            return ready;
        var manifest = await DatasetGrain.LoadAsync(GrainFactory, request.ManifestHash);
        var pipeline = request.Pipeline;
        var name = DatasetFeatures.NameFor(manifest, pipeline);
        if (name != this.GetPrimaryKeyString())
            throw new ArgumentException($"feature set {this.GetPrimaryKeyString()} asked for {name}'s dataset and pipeline");
        if (artifacts.TryFindFeatureSet(name, out var skipped))
        {
            _final = new FeatureSetStatus(FeatureSetStatus.Ready, manifest.Samples.Count, manifest.Samples.Count, artifacts.Reference(name), skipped, null);
            return _final;
        }
        if (_final is { State: FeatureSetStatus.Failed } failed && _request == request)
        {
            // Asked again after a failure: start over.
            _final = null;
            _shards.Clear();
            return failed;
        }
        if (_request is null || _request != request || _shards.Count == 0)
        {
            _request = request;
            _total = manifest.Samples.Count;
            await StartShardsAsync();
            _timer ??= this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        }
        return Status();
    }

    public Task ShardProgress(int shard, int done, bool finished, string[] skipped, string? error)
    {
        if (_shards.TryGetValue(shard, out var current))
            _shards[shard] = current with { Done = done, Finished = finished, Skipped = skipped, Error = error };
        return Task.CompletedTask;
    }

    private FeatureSetStatus Status() => _final ?? new FeatureSetStatus(FeatureSetStatus.Building, _shards.Values.Sum(s => s.Done), _total, null, [], null);

    /// <summary>One shard per active silo that trains (or per active silo when none does), its samples dealt round the shards.</summary>
    private async Task StartShardsAsync()
    {
        var silos = ActiveSilos();
        var workers = silos.Where(s => SlotBoardGrain.Slots(metadata.GetSiloMetadata(s)) > 0).ToList() is { Count: > 0 } training ? training : silos;
        _shards.Clear();
        for (var i = 0; i < workers.Count; i++)
        {
            var indexes = Enumerable.Range(0, _total).Where(n => n % workers.Count == i).ToArray();
            _shards[i] = new Shard(indexes, workers[i], 0, false, [], null);
            await StartShardAsync(i);
        }
    }

    private async Task StartShardAsync(int shard)
    {
        var plan = _shards[shard];
        RequestContext.Set(FreeSlotPlacement.ReservedSilo, plan.Silo.ToParsableString());
        try
        {
            await GrainFactory.GetGrain<IPreprocessGrain>($"{this.GetPrimaryKeyString()}/{shard}/{plan.Silo.ToParsableString()}")
                .Start(this.GetPrimaryKeyString(), shard, _request!, plan.Indexes);
        }
        finally
        {
            RequestContext.Remove(FreeSlotPlacement.ReservedSilo);
        }
    }

    private async Task WatchAsync()
    {
        if (_final is not null || _request is null)
            return;
        // A shard whose silo left the cluster starts again on a silo still in it.
        var active = ActiveSilos();
        foreach (var (index, shard) in _shards.Where(s => !s.Value.Finished && !active.Contains(s.Value.Silo)).ToList())
        {
            if (active.Count == 0)
                return;
            log.LogWarning("feature set {Key}: the silo of shard {Shard} left the cluster; computing it on another", this.GetPrimaryKeyString(), index);
            _shards[index] = shard with { Silo = active[Random.Shared.Next(active.Count)], Done = 0 };
            await StartShardAsync(index);
        }
        if (_shards.Values.FirstOrDefault(s => s.Error is not null) is { } broken)
        {
            Finish(new FeatureSetStatus(FeatureSetStatus.Failed, Status().Done, _total, null, [], broken.Error));
            return;
        }
        if (_shards.Count == 0 || !_shards.Values.All(s => s.Finished))
            return;
        if (_stacking is null)
        {
            var request = _request;
            var manifest = await DatasetGrain.LoadAsync(GrainFactory, request.ManifestHash);
            // Every sample is in the cache now: this reads and stacks them (a thread of its own, off the grain's).
            _stacking = Task.Run(async () =>
            {
                var outcome = DatasetFeatures.Ensure(manifest, request.Pipeline, artifacts);
                if (outcome.Built)
                    await store.RecordCacheEntryAsync("featureset/" + this.GetPrimaryKeyString(), outcome.Bytes);
                return outcome;
            });
            return;
        }
        if (!_stacking.IsCompleted)
            return;
        Finish(_stacking.IsCompletedSuccessfully
            ? new FeatureSetStatus(FeatureSetStatus.Ready, _total, _total, _stacking.Result.Reference, _stacking.Result.Skipped, null)
            : new FeatureSetStatus(FeatureSetStatus.Failed, _total, _total, null, [], _stacking.Exception?.InnerException?.Message));
    }

    private void Finish(FeatureSetStatus status)
    {
        _final = status;
        _stacking = null;
        _timer?.Dispose();
        _timer = null;
    }

    private List<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).OrderBy(s => s.ToString()).ToList();

    private sealed record Shard(int[] Indexes, SiloAddress Silo, int Done, bool Finished, string[] Skipped, string? Error);
}

/// <summary>One shard of a feature set computed on the silo it was placed on, in the background; it reports to its feature-set grain.</summary>
public interface IPreprocessGrain : IGrainWithStringKey
{
    Task Start(string featureSet, int shard, FeatureSetRequest request, int[] indexes);
}

[FreeSlotPlacement]
public sealed class PreprocessGrain(SiloArtifacts artifacts, SiloLog siloLog, ILogger<PreprocessGrain> log) : Grain, IPreprocessGrain
{
    private Task<IReadOnlyList<string>>? _work;
    private IGrainTimer? _timer;
    private int _done;

    public async Task Start(string featureSet, int shard, FeatureSetRequest request, int[] indexes)
    {
        if (_work is { IsCompleted: false })
            return;
        var owner = GrainFactory.GetGrain<IFeatureSetGrain>(featureSet);
        var manifest = await DatasetGrain.LoadAsync(GrainFactory, request.ManifestHash);
        _done = 0;
        _work = Task.Run(() => DatasetFeatures.Preprocess(manifest, request.Pipeline, artifacts, indexes, (done, _) => Volatile.Write(ref _done, done)).Skipped);
        // The timer reports progress from the grain's own scheduler, and the end once the work is over.
        _timer = this.RegisterGrainTimer(async () =>
        {
            if (_work is not { IsCompleted: true } work)
            {
                await owner.ShardProgress(shard, Volatile.Read(ref _done), false, [], null);
                return;
            }
            _timer?.Dispose();
            string? error = work.IsCompletedSuccessfully ? null : $"shard {shard}: {work.Exception?.InnerException?.Message}";
            if (error is not null)
                log.LogWarning("feature set {FeatureSet}: {Error}", featureSet, error);
            if (error is null)
                siloLog.Write($"preprocessed shard {shard} of feature set {featureSet}: {indexes.Length} samples, {work.Result.Count} left out");
            await owner.ShardProgress(shard, indexes.Length, true, work.IsCompletedSuccessfully ? [.. work.Result] : [], error);
            DeactivateOnIdle();
        }, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
    }
}

/// <summary>Lines of a silo's work worth a user's attention (what `mer silo` prints), as opposed to Orleans' own log.</summary>
public sealed record SiloLog(Action<string> Write);

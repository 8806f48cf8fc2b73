using System.Collections.Concurrent;
using System.Text.Json;
using MerCluster.Core.Features;
using MerCluster.Core.Grids;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// A stored sweep as a process works with it: the definition rebuilt from the store's text, the protocol rebuilt
/// from the stored samples, and each trial's grid point.
/// </summary>
public sealed class SweepContext
{
    private SweepContext(SweepRecord record, SweepDefinition definition, IReadOnlyList<FeatureSample> samples, IReadOnlyList<TrialRecord> trials)
    {
        Record = record;
        Definition = definition;
        Samples = samples;
        Protocol = EvaluationProtocols.Create(definition.Options.Protocol, samples);
        Trials = trials;
    }

    public SweepRecord Record { get; }

    public SweepDefinition Definition { get; }

    /// <summary>The samples the sweep was submitted with.</summary>
    public IReadOnlyList<FeatureSample> Samples { get; }

    public IEvaluationProtocol Protocol { get; }

    public IReadOnlyList<TrialRecord> Trials { get; }

    public TrialRecord Trial(long trialId) => Trials.FirstOrDefault(t => t.Id == trialId)
        ?? throw new InvalidOperationException($"trial {trialId} is not part of sweep {Record.Id}");

    public GridTrial GridTrial(long trialId) => Definition.Grid.Trials[Trial(trialId).Ordinal];

    public static async Task<SweepContext> LoadAsync(CoordinationStore store, string sweepId, CancellationToken cancellationToken = default)
    {
        var record = await store.FindSweepAsync(sweepId, cancellationToken)
            ?? throw new InvalidOperationException($"no sweep '{sweepId}' in the store {store.Location}");
        var definition = SweepDefinition.FromStore(record.Yaml, record.SourceDir, record.Id);
        var samples = JsonSerializer.Deserialize<List<FeatureSample>>(record.SamplesJson)
            ?? throw new InvalidDataException($"sweep {record.Id}: its stored sample list is empty");
        var trials = await store.TrialsAsync(record.Id, cancellationToken);
        return new SweepContext(record, definition, samples, trials);
    }

    public static string SamplesJson(IEnumerable<FeatureSample> samples) => JsonSerializer.Serialize(samples.ToList());
}

/// <summary>The sweeps a process has loaded, each loaded once.</summary>
public sealed class SweepContexts(CoordinationStore store)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SweepContext>>> _loaded = new(StringComparer.Ordinal);

    public async Task<SweepContext> GetAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var lazy = _loaded.GetOrAdd(sweepId, id => new Lazy<Task<SweepContext>>(() => SweepContext.LoadAsync(store, id, cancellationToken)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            _loaded.TryRemove(KeyValuePair.Create(sweepId, lazy));
            throw;
        }
    }
}

using System.Text.Json;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Workers;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// Turns a sweep file into stored work: one trial per grid point, one pending fold per held-out subject of the
/// protocol, all in one transaction. Submitting the same file over the same features again finds the stored sweep
/// (same id) and changes nothing, which is how an interrupted sweep resumes.
/// </summary>
public static class SweepSubmitter
{
    public static async Task<SubmittedSweep> SubmitAsync(CoordinationStore store, SweepDefinition definition, FeatureSetCache features, CancellationToken cancellationToken = default)
    {
        var featureSet = features.Get(definition.ResolvePath(definition.Options.Features!));
        var first = definition.Grid.Trials[0];
        FoldRunners.CheckFeatures(definition.TrialOptions(first), $"{definition.Source} ({first.Label})", featureSet,
            definition.ResolvePath(definition.Options.Features!));
        var protocol = EvaluationProtocols.Create(definition.Options.Protocol, featureSet.Samples);
        var samplesJson = SweepContext.SamplesJson(featureSet.Samples);
        var plan = new SweepPlan(
            definition.IdFor(samplesJson), definition.Name, definition.Yaml, definition.SourceDirectory, samplesJson,
            definition.Options.Leasing.MaxAttempts,
            definition.Grid.Trials.Select(t => new PlannedTrial(t.Label, JsonSerializer.Serialize(t.Overrides))).ToList(),
            protocol.Folds.Select(f => f.Name).ToList());
        var created = await store.CreateSweepAsync(plan, cancellationToken);
        return new SubmittedSweep(plan.Id, created, plan.Trials.Count, plan.Subjects.Count);
    }
}

/// <summary>A sweep in the store: its id, whether this submission created it (false: it was there, and resumes), and its size.</summary>
public sealed record SubmittedSweep(string Id, bool Created, int Trials, int FoldsPerTrial)
{
    public int Folds => Trials * FoldsPerTrial;
}

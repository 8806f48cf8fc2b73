using System.Text.Json;
using MerCluster.Core.Configuration;
using MerCluster.Core.Protocols;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Sweeps;

/// <summary>
/// Turns a sweep file into a plan (one trial per grid point, one fold per held-out subject of the protocol) and hands
/// it to the sweep's grain, which stores it once and dispatches its folds. Submitting the same file over the same
/// features again finds the same sweep (its id hashes the text and the samples) and resumes it.
/// </summary>
public static class SweepSubmitter
{
    public static SweepPlan Plan(SweepDefinition definition, FeatureSetCache features)
    {
        var featureSet = features.Get(definition.ResolvePath(definition.Options.Features!));
        var first = definition.Grid.Trials[0];
        FoldRunners.CheckFeatures(definition.TrialOptions(first), $"{definition.Source} ({first.Label})", featureSet,
            definition.ResolvePath(definition.Options.Features!), definition.Grid.Axes.Select(a => ConfigKeys.Normalize(a.Key)).ToList());
        var protocol = EvaluationProtocols.Create(definition.Options.Protocol, featureSet.Samples);
        var samplesJson = SweepContext.SamplesJson(featureSet.Samples);
        return new SweepPlan(
            definition.IdFor(samplesJson), definition.Name, definition.Yaml, definition.SourceDirectory, samplesJson,
            definition.Options.MaxAttempts, definition.Options.MaxInterruptions,
            definition.Grid.Trials.Select(t => new PlannedTrial(t.Label, JsonSerializer.Serialize(t.Overrides))).ToList(),
            protocol.Folds.Select(f => f.Name).ToList());
    }

    /// <summary>Starts (or resumes) the sweep on the cluster behind <paramref name="grains"/>.</summary>
    public static async Task<SubmittedSweep> SubmitAsync(IGrainFactory grains, CoordinationStore store, SweepPlan plan)
    {
        var existed = await store.FindSweepAsync(plan.Id) is { } found && found.Id == plan.Id;
        var status = await grains.GetGrain<ISweepGrain>(plan.Id).Start(plan);
        return new SubmittedSweep(plan.Id, !existed, plan.Trials.Count, plan.Subjects.Count, status);
    }
}

/// <summary>A submitted sweep: its id, whether this submission created it (false: it was there, and resumes), its size and its status then.</summary>
public sealed record SubmittedSweep(string Id, bool Created, int Trials, int FoldsPerTrial, SweepStatus Status)
{
    public int Folds => Trials * FoldsPerTrial;
}

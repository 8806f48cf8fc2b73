using MerCluster.Core.Metrics;
using System.ComponentModel.DataAnnotations;
using MerCluster.Core.Configuration;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// The <c>noop</c> model of the orchestration benchmark and of the leasing tests: no training at all. It waits the
/// configured time (standing in for a fold's training), then "predicts" each held-out sample's true label, so only
/// the orchestration around the fold is measured. <c>fail_subjects</c> makes chosen folds throw, to exercise retries.
/// Never a stand-in for real training: sweeps that should learn name a registry model.
/// </summary>
public sealed class NoopFoldRunner : IFoldRunner
{
    public const string ModelName = "noop";

    public async Task<IReadOnlyList<SamplePrediction>> RunAsync(FoldJob job, CancellationToken cancellationToken)
    {
        var options = YamlOptions.Bind<NoopModelOptions>(job.Options.Model, job.OptionsSource, "model");
        if (options.Duration > TimeSpan.Zero)
            await Task.Delay(options.Duration, cancellationToken);
        if (options.FailSubjects.Contains(job.Fold.Name))
            throw new InvalidOperationException($"noop model: fold {job.Fold.Name} is listed in model.fail_subjects");
        var classes = job.Protocol.Classes;
        return job.Fold.TestRows.Select(row =>
        {
            var sample = job.Features.Samples[row];
            var probabilities = classes.Select(c => c == sample.Label ? 1.0 : 0.0).ToArray();
            return new SamplePrediction(sample.SampleId, sample.Subject, sample.Database, sample.Label, sample.Label, probabilities);
        }).ToList();
    }
}

/// <summary>The <c>model:</c> section of a no-op sweep.</summary>
public sealed record NoopModelOptions
{
    [Required]
    public string Name { get; init; } = NoopFoldRunner.ModelName;

    /// <summary>How long each fold pretends to train.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.Zero;

    /// <summary>Held-out subjects whose fold always fails.</summary>
    public List<string> FailSubjects { get; init; } = [];
}

using MerCluster.Core.Metrics;
using System.ComponentModel.DataAnnotations;
using MerCluster.Core.Configuration;
using MerCluster.Orchestration.Store;

namespace MerCluster.Orchestration.Folds;

/// <summary>
/// The <c>noop</c> model of the orchestration benchmark and of the leasing tests: no training at all. It waits the
/// configured time (standing in for a fold's training), then "predicts" each held-out sample's true label, so only
/// the orchestration around the fold is measured. <c>fail_subjects</c> makes chosen folds throw, to exercise retries;
/// <c>finish_on_stop</c> keeps a fold waiting out its time when its silo stops (a training step that ends after the
/// stop was asked for); <c>mispredict</c> gets a share of each fold wrong, so reports and the results page show scores below 1.
/// Never a stand-in for real training: sweeps that should learn name a registry model.
/// </summary>
public sealed class NoopFoldRunner : IFoldRunner
{
    public const string ModelName = "noop";

    public async Task<IReadOnlyList<SamplePrediction>> RunAsync(FoldJob job, CancellationToken cancellationToken)
    {
        var options = YamlOptions.Bind<NoopModelOptions>(job.Options.Model, job.OptionsSource, "model");
        if (options.Duration > TimeSpan.Zero)
        {
            if (options.FinishOnStop)
                job.Log?.Invoke($"noop: runs its {options.Duration.TotalSeconds:0.###} s to the end, stop or not");
            await Task.Delay(options.Duration, options.FinishOnStop ? CancellationToken.None : cancellationToken);
        }
        if (options.FailSubjects.Contains(job.Fold.Name))
            throw new InvalidOperationException($"noop model: fold {job.Fold.Name} is listed in model.fail_subjects");
        var classes = job.Protocol.Classes;
        var wrong = (int)Math.Round(options.Mispredict * job.Fold.TestRows.Count, MidpointRounding.AwayFromZero);
        var next = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => classes[(x.i + 1) % classes.Count]);
        return job.Fold.TestRows.Select((row, i) =>
        {
            var sample = job.Features.Samples[row];
            var predicted = i < wrong ? next[sample.Label] : sample.Label;
            var probabilities = classes.Select(c => c == predicted ? 1.0 : 0.0).ToArray();
            return new SamplePrediction(sample.SampleId, sample.Subject, sample.Database, sample.Label, predicted, probabilities);
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

    /// <summary>The fold runs on to its end when its silo is told to stop, as a long training step does.</summary>
    public bool FinishOnStop { get; init; }

    /// <summary>Held-out subjects whose fold always fails.</summary>
    public List<string> FailSubjects { get; init; } = [];

    /// <summary>The share of each fold's held-out samples (the first ones, in order) "predicted" as the next class instead of their own.</summary>
    [Range(0.0, 1.0)]
    public double Mispredict { get; init; }
}

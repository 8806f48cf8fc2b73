using MerCluster.Core.Configuration;
using MerCluster.Core.Features;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Training;

namespace MerCluster.Orchestration.Folds;

/// <summary>Picks the fold runner for a sweep's model: <c>noop</c> for the orchestration fixture, the trainer for every registry model.</summary>
public sealed class FoldRunners(IFoldRunner training, IFoldRunner? noop = null)
{
    private readonly IFoldRunner _noop = noop ?? new NoopFoldRunner();

    public IFoldRunner For(string modelName) => modelName == NoopFoldRunner.ModelName ? _noop : training;

    /// <summary>
    /// Binds a trial's <c>model:</c> and <c>train:</c> sections as its runner will, so a bad key or value stops the
    /// submission with a message naming the file and key instead of failing every fold on the silos.
    /// </summary>
    public static void Validate(SweepOptions options, string source)
    {
        if (options.ModelName == NoopFoldRunner.ModelName)
        {
            YamlOptions.Bind<NoopModelOptions>(options.Model, source, "model");
            return;
        }
        YamlOptions.Bind<ModelOptions>(options.Model, source, "model");
        YamlOptions.Bind<TrainOptions>(options.Train, source, "train");
    }

    /// <summary>
    /// Builds the model of a trial (one: a grid rarely changes input shapes, and a paper-size model takes seconds to
    /// build) and checks the feature set carries its inputs, so a feature set from the wrong pipeline stops the
    /// submission with one message instead of failing every fold <c>max_attempts</c> times.
    /// </summary>
    /// <param name="gridKeys">The sweep's grid keys (dotted, as <see cref="ConfigKeys.Normalize"/> writes them): a grid over a setting the model never reads
    /// (train.learning_rate for a model whose every group has its own rate) would run identical trials, so it stops here.</param>
    public static void CheckFeatures(SweepOptions options, string source, FeatureSet features, string featuresDirectory,
        IReadOnlyCollection<string>? gridKeys = null)
    {
        if (options.ModelName == NoopFoldRunner.ModelName)
            return;
        var model = YamlOptions.Bind<ModelOptions>(options.Model, source, "model");
        var train = YamlOptions.Bind<TrainOptions>(options.Train, source, "train") with { Threads = 1, Device = "cpu" };
        Trainer trainer;
        try
        {
            trainer = Trainer.Create(model, train);
        }
        catch (TrainingException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        using (trainer)
        {
            const string learningRate = "train.learning_rate";
            if (gridKeys?.Contains(ConfigKeys.Normalize(learningRate)) == true && trainer.Description.UnusedLearningRate is { } unused)
                throw new InvalidDataException($"{source}: grid: {unused}; grid those settings instead");
            try
            {
                trainer.CheckInputs(features, $"{source}: feature set {featuresDirectory}");
            }
            catch (TrainingException e)
            {
                throw new InvalidDataException($"{e.Message} (is the sweep's pipeline the one its model config names?)", e);
            }
        }
    }
}

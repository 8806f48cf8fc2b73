using MerCluster.Core.Configuration;
using MerCluster.Orchestration.Sweeps;
using MerCluster.Training;

namespace MerCluster.Orchestration.Workers;

/// <summary>Picks the fold runner for a sweep's model: <c>noop</c> for the orchestration fixture, the trainer for every registry model.</summary>
public sealed class FoldRunners(IFoldRunner training, IFoldRunner? noop = null)
{
    private readonly IFoldRunner _noop = noop ?? new NoopFoldRunner();

    public IFoldRunner For(string modelName) => modelName == NoopFoldRunner.ModelName ? _noop : training;

    /// <summary>
    /// Binds a trial's <c>model:</c> and <c>train:</c> sections as its runner will, so a bad key or value stops the
    /// submission with a message naming the file and key instead of failing every fold on the workers.
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
}

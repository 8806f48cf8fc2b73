namespace MerCluster.Orchestration.Workers;

/// <summary>Picks the fold runner for a sweep's model: <c>noop</c> for the orchestration fixture, the trainer for every registry model.</summary>
public sealed class FoldRunners(IFoldRunner training, IFoldRunner? noop = null)
{
    private readonly IFoldRunner _noop = noop ?? new NoopFoldRunner();

    public IFoldRunner For(string modelName) => modelName == NoopFoldRunner.ModelName ? _noop : training;
}
